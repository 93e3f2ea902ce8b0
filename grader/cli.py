"""The ``deepgrade`` command. Each sub-command lives in ``grader.commands.<name>`` and provides
``register(subparsers)``, which adds its parser and sets ``run`` (a function of the parsed arguments
returning an exit code). Command modules import heavy libraries inside ``run`` so that ``--help`` is fast.

Before anything else, ``main`` takes the instructor's secret out of the environment
(``grader.seeds.take_secret_from_environment``): no child, worker or reader of ``/proc`` sees it there.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from grader.errors import UsageError
from grader.seeds import take_secret_from_environment

COMMANDS = ("grade", "check", "report", "release", "nbgrader", "bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepgrade",
        description="Auto-graded deep-learning exercises: grade submissions, check your work, benchmark.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"grader.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    take_secret_from_environment()
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except UsageError as err:
        print(f"deepgrade: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("deepgrade: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

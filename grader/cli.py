"""The ``deepgrade`` command. Each sub-command lives in ``grader.commands.<name>`` and provides
``register(subparsers)``, which adds its parser and sets ``run`` (a function of the parsed arguments
returning an exit code). Command modules import heavy libraries inside ``run`` so that ``--help`` is fast.

Before anything else, ``main`` takes the instructor's secret out of the environment
(``grader.seeds.take_secret_from_environment``): no child, worker or reader of ``/proc`` sees it there.

In the student bundle (``grader.release``, marked by ``grader/data/student_bundle.json``) only the
student's commands are listed; an instructor's command (``grade``, ``bench``, ``nbgrader``, ...) says in
one line that it needs the instructor's project. ``deepgrade --version`` prints the version.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from grader.errors import UsageError
from grader.seeds import take_secret_from_environment

COMMANDS = ("grade", "check", "report", "release", "nbgrader", "bench", "gradescope", "export")
STUDENT_COMMANDS = ("check",)
BUNDLE_MARKER = Path(__file__).resolve().parent / "data" / "student_bundle.json"
NEEDS_PROJECT = (
    "`deepgrade {name}` needs the instructor's project (solutions/, kernels/ and the hidden checks); "
    "the student bundle has `deepgrade check`"
)


def in_student_bundle() -> bool:
    """Whether this grader is the student bundle's (``grader.release`` writes the marker)."""
    return BUNDLE_MARKER.is_file()


def version() -> str:
    """The version: the bundle's marker, else the installed distribution, else the checkout's
    ``pyproject.toml``."""
    try:
        return str(json.loads(BUNDLE_MARKER.read_text(encoding="utf-8"))["version"]) + " (student bundle)"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    import importlib.metadata

    try:
        return importlib.metadata.version("deepgrade")
    except importlib.metadata.PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, ValueError, KeyError):
            return "unknown"


def build_parser() -> argparse.ArgumentParser:
    student = in_student_bundle()
    parser = argparse.ArgumentParser(
        prog="deepgrade",
        description="Deep-learning exercises: check your work against the public checks." if student else
        "Auto-graded deep-learning exercises: grade submissions, check your work, benchmark.",
    )
    parser.add_argument("--version", action="version", version=f"deepgrade {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in STUDENT_COMMANDS if student else COMMANDS:
        importlib.import_module(f"grader.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    take_secret_from_environment()
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if in_student_bundle() and command in COMMANDS and command not in STUDENT_COMMANDS:
        print(f"deepgrade: error: {NEEDS_PROJECT.format(name=command)}", file=sys.stderr)
        return 2
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

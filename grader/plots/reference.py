"""The reference side of every picture, computed by trusted code only: each kind's ``collect`` run in this
process on the instructor's ``solutions/`` module (a harness scenario is the same function of
``grader.harness`` the child runs). The student bundle has no ``solutions/``: there the same arrays come
from ``grader/data/plot_reference.json``, written from ``solutions/`` by
``python -m grader.plots --write`` (a test keeps it equal to a fresh computation)."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from grader import harness, values
from grader.errors import UsageError
from grader.plots.common import Caller, Collected

TABLE = Path(__file__).resolve().parent.parent / "data" / "plot_reference.json"


def trusted_caller(module: ModuleType) -> Caller:
    """A ``Caller`` that runs ``target`` on a trusted module in this process."""

    def call(exercise: str, target: str, kwargs: dict[str, Any]) -> Any:
        if target.startswith("harness."):
            return getattr(harness, target.removeprefix("harness."))(module, **kwargs)
        return getattr(module, target)(**kwargs)

    return call


def compute(kind: ModuleType, exercise: str) -> Collected:
    """The solution's arrays for one picture; ``UsageError`` when ``solutions/`` is absent."""
    from grader.expected import solution_module

    got = kind.collect(exercise, trusted_caller(solution_module(exercise)))
    if got.missing:
        raise RuntimeError(f"the solution of {exercise} gave no value: {got.missing}")
    return got


@functools.cache
def _table() -> dict[str, Any]:
    if not TABLE.is_file():
        return {}
    return json.loads(TABLE.read_text(encoding="utf-8"))


def reference(kind: ModuleType, exercise: str) -> Collected:
    """``compute`` where ``solutions/`` is at hand, else the shipped table; ``UsageError`` when neither."""
    try:
        return compute(kind, exercise)
    except UsageError:
        stored = _table().get(exercise)
        if stored is None:
            raise UsageError(f"no reference for the pictures of {exercise} (no solutions/, no {TABLE.name})"
                             ) from None
        return Collected(data={k: values.decode(v) for k, v in stored.items()})


def render() -> str:
    """The table from ``solutions/``: ``{exercise: {panel: encoded array}}``, as JSON text."""
    from grader.plots import KINDS

    table = {ex: {k: values.encode(v) for k, v in compute(kind, ex).data.items()}
             for kind in KINDS for ex in kind.EXERCISES}
    return json.dumps(table, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.plots",
                                     description=f"Write or check grader/data/{TABLE.name}.")
    parser.add_argument("--write", action="store_true", help="regenerate the file from solutions/")
    text = render()
    if parser.parse_args(argv).write:
        TABLE.write_text(text, encoding="utf-8")
        print(f"wrote {TABLE}")
        return 0
    if not TABLE.is_file() or TABLE.read_text(encoding="utf-8") != text:
        print(f"{TABLE} is stale: run python -m grader.plots --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

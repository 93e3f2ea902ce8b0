"""Generate ``docs/EXERCISES.md``, the list of every exercise and check with its points, from the registry.

Usage: ``python -m grader.exercise_docs`` rewrites the page; ``--check`` exits 1 when it is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from grader.registry import EXERCISES, EXPECTED_KEY

PAGE = Path(__file__).resolve().parent.parent / "docs" / "EXERCISES.md"


def _points(x: float) -> str:
    return f"{x:g}"


def render() -> str:
    """The Markdown page: a summary table, then one table of checks per exercise."""
    public = sum(c.points for e in EXERCISES for c in e.checks if not c.hidden)
    hidden = sum(c.points for e in EXERCISES for c in e.checks if c.hidden)
    lines = [
        "# Exercises and their points",
        "",
        "Generated from `grader/registry.py` by `python -m grader.exercise_docs`; do not edit by hand.",
        'Section numbers refer to the course report "Apprentissage Profond". Public checks run in the',
        "student's self-check; hidden checks draw their inputs from the instructor's secret and the",
        "student id.",
        "",
        f"Total: {_points(public + hidden)} points ({_points(public)} public, {_points(hidden)} hidden), "
        f"{len(EXERCISES)} exercises, {sum(len(e.checks) for e in EXERCISES)} checks.",
        "",
        "| exercise | titre | title | section | functions | public | hidden | total |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for e in EXERCISES:
        pub = sum(c.points for c in e.checks if not c.hidden)
        hid = sum(c.points for c in e.checks if c.hidden)
        funcs = ", ".join(f"`{f}`" for f in e.functions)
        lines.append(
            f"| `{e.id}` | {e.title.fr} | {e.title.en} | {e.section} | {funcs} | {_points(pub)} | "
            f"{_points(hid)} | {_points(e.max_points)} |"
        )
    for e in EXERCISES:
        lines += ["", f"## `{e.id}`: {e.title.en} ({_points(e.max_points)} points)", ""]
        lines += [
            "| check | target | points | visibility | section | compared |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for c in e.checks:
            if c.compare.kind == "predicate" and c.compare.describe is not None:
                how = c.compare.describe.en
            elif c.compare.kind == "equal":
                how = "exact"
            else:
                how = f"rtol {c.compare.rtol:g}, atol {c.compare.atol:g}"
            if c.timing:
                how += "; speed within 2x of the reference kernel"
            if c.expected is not None:
                source = "report value"
            elif EXPECTED_KEY in c.inputs(np.random.default_rng(0)):
                source = "held-out data"
            else:
                source = "solutions/"
            lines.append(
                f"| `{c.name}` | `{c.target}` | {_points(c.points)} | {'hidden' if c.hidden else 'public'} | "
                f"{c.section} | {how} ({source}) |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader.exercise_docs", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/EXERCISES.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE} is stale: run python -m grader.exercise_docs", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Generate the student stubs in ``exercises/`` from the master copies in ``solutions/``.

Every block fenced by ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (nbgrader's markers) becomes
``raise NotImplementedError`` at the indentation of the opening marker; everything else is copied.
``strip_hidden_tests`` removes ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` blocks (the student
copy of ``grader/registry.py``).

Usage: ``python -m grader.make_stubs`` rewrites ``exercises/``; ``--check`` only reports stale stubs
(exit status 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
HEADER = (
    "# Generated from solutions/{name} by grader/make_stubs.py: do not edit.\n# ruff: noqa: F401, RUF100\n"
)
STUB = "raise NotImplementedError"


class FenceError(ValueError):
    """A fence is unbalanced or nested."""


def _strip_fenced(source: str, begin: str, end: str, replacement: str | None, origin: str) -> str:
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker == begin:
            if inside:
                raise FenceError(f"{origin}:{number}: nested {begin!r}")
            inside = True
            if replacement is not None:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(f"{indent}{replacement}\n")
        elif marker == end:
            if not inside:
                raise FenceError(f"{origin}:{number}: {end!r} without {begin!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise FenceError(f"{origin}: {begin!r} is never closed")
    return "".join(out)


def make_stub(source: str, name: str = "<solution>") -> str:
    """The stub text of one solution module: fenced blocks replaced by ``raise NotImplementedError``."""
    return HEADER.format(name=name) + _strip_fenced(source, BEGIN_SOLUTION, END_SOLUTION, STUB, name)


def strip_hidden_tests(source: str, name: str = "<registry>") -> str:
    """The source with every hidden-tests block (markers included) removed."""
    return _strip_fenced(source, BEGIN_HIDDEN, END_HIDDEN, None, name)


def solution_modules() -> list[Path]:
    """The solution modules that have an exercise: ``solutions/ex*.py`` in course order."""
    return sorted(SOLUTIONS.glob("ex[0-9][0-9]_*.py"))


def expected_stubs() -> dict[str, str]:
    """File name -> stub text, for every solution module."""
    return {p.name: make_stub(p.read_text(encoding="utf-8"), p.name) for p in solution_modules()}


def stale_stubs(directory: Path = EXERCISES) -> list[str]:
    """Names of the stubs in ``directory`` that are missing, differ from the solutions, or are orphans."""
    wanted = expected_stubs()
    stale = [n for n, text in wanted.items() if _read(directory / n) != text]
    orphans = [p.name for p in directory.glob("ex[0-9][0-9]_*.py") if p.name not in wanted]
    return sorted(stale + orphans)


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def write_stubs(directory: Path = EXERCISES) -> list[str]:
    """Rewrite the stubs in ``directory``; returns the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = expected_stubs()
    for path in directory.glob("ex[0-9][0-9]_*.py"):
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        (directory / name).write_text(text, encoding="utf-8")
    return sorted(wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.make_stubs", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report stale stubs without writing")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_stubs()
        for name in stale:
            print(f"stale stub: exercises/{name}", file=sys.stderr)
        return 1 if stale else 0
    for name in write_stubs():
        print(f"wrote exercises/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`deepgrade check [PATH]`: a student checks their own work against the public checks.

PATH is a folder of exercise modules (default: the current folder) or a notebook. The code runs in the
same sandbox as for grading; public expected values come from ``grader/data/public_expected.json``
through ``grader.expected``, so this works without ``solutions/``. Prints a table (exercise, check,
result, expected, got, hint) and exits 0 only when every check shown passes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from grader.errors import UsageError

HEAD = {
    "fr": ("exercice", "test", "résultat", "attendu", "obtenu", "indice"),
    "en": ("exercise", "check", "result", "expected", "got", "hint"),
}
SUMMARY = {
    "fr": "{passed}/{total} tests publics réussis ({points:g}/{max_points:g} points).",
    "en": "{passed}/{total} public checks passed ({points:g}/{max_points:g} points).",
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check", help="check your exercises against the public checks")
    parser.add_argument("path", nargs="?", type=Path, default=Path("."),
                        help="folder of exercise modules or a notebook (default: current folder)")
    parser.add_argument("-e", "--exercise", action="append", default=None,
                        help="only this exercise (repeatable); default: the exercises found in PATH")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr", help="language (default fr)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per call")
    parser.add_argument("--sandbox", choices=("auto", "bwrap", "process"), default="auto",
                        help="isolation: bubblewrap namespaces, process-level only, or auto (default)")
    parser.add_argument("--backend", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--plots", type=Path, default=None, metavar="DIR",
                        help="also draw pictures of your work (PNG) into DIR")
    parser.set_defaults(run=run)


def short(value: Any, width: int = 32) -> str:
    """A one-line rendering of a value for the table."""
    import numpy as np

    if value is None:
        return "-"
    if isinstance(value, str):
        text = value
    elif isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, np.ndarray):
        with np.printoptions(precision=4, threshold=6, edgeitems=2, suppress=True):
            text = f"array{value.shape} " + np.array2string(value, separator=",", max_line_width=10**6)
    else:
        with np.printoptions(precision=4, threshold=6, edgeitems=2, suppress=True):
            text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: list[tuple[str, ...]], head: tuple[str, ...]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(tuple("-" * w for w in widths)), *map(line, rows)])


def run(args: argparse.Namespace) -> int:
    from grader.engine.backend import load_backend
    from grader.engine.grading import Options, Pool, grade_detailed
    from grader.intake import IntakeError, Submission, read_entry
    from grader.model import Outcome

    path: Path = args.path
    if not path.exists():
        raise UsageError(f"not found: {path}")
    if path.is_file() and path.suffix != ".ipynb":
        raise UsageError(f"expected a folder of exercise modules or a .ipynb notebook: {path}")
    backend = load_backend(args.backend)
    names = backend.module_names
    if args.exercise:
        unknown = sorted(set(args.exercise) - set(names))
        if unknown:
            raise UsageError(f"unknown exercise(s): {', '.join(unknown)}")
    work = Path(tempfile.mkdtemp(prefix="deepgrade-check-"))
    from grader.sandbox import bwrap

    launcher, warning = bwrap.resolve(args.sandbox)
    if warning:
        print(f"deepgrade: warning: {warning}", file=sys.stderr)
    pool = Pool(backend, Options(timeout_s=args.timeout, public_only=True, launcher=launcher))
    try:
        try:
            _, folder = read_entry(path.resolve(), names, work)
        except IntakeError as err:
            raise UsageError(f"{path}: {err}") from None
        chosen = args.exercise or [n for n in names if (folder / f"{n}.py").is_file()]
        if not chosen:
            raise UsageError(f"no exercise module found in {path} (expected files like {names[0]}.py)")
        sub = Submission("self-check", folder, "folder")
        rows, passed, total, points, max_points = [], 0, 0, 0.0, 0.0
        for ex in backend.exercises:
            if ex.id not in chosen:
                continue
            for check in ex.checks:
                if check.hidden:
                    continue
                graded = grade_detailed(pool, sub, ex, check)
                res = graded.result
                ok = res.outcome is Outcome.PASSED
                total, passed = total + 1, passed + ok
                points, max_points = points + res.points, max_points + res.max_points
                got = short(graded.got, 48) if graded.got is not None else short(res.reason, 48)
                rows.append((ex.id, check.name, "OK" if ok else str(res.outcome), short(graded.expected),
                             got, "" if ok else check.hint(args.lang)))
        print(table(rows, HEAD[args.lang]))
        print()
        print(SUMMARY[args.lang].format(passed=passed, total=total, points=points, max_points=max_points))
        if args.plots is not None:
            from grader.plots import describe, write_plots

            pictures = write_plots(folder, args.plots, args.lang, exercises=chosen, sandbox=args.sandbox,
                                   launcher=launcher)
            print("\n".join(describe(pictures, args.lang)))
        return 0 if passed == total else 1
    finally:
        pool.close()
        shutil.rmtree(work, ignore_errors=True)

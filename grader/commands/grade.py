"""`deepgrade grade SUBMISSIONS`: grade a folder of submissions in sandboxes, journal, write reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.commands import grade_entries
from grader.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("grade", help="grade a folder of student submissions")
    parser.add_argument("submissions", type=Path, help="folder with one entry per student")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="reports folder (default reports/)")
    parser.add_argument("-n", "--workers", default="1", help="parallel workers: a number or 'auto'")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per call (default: per check)")
    parser.add_argument("--memory", type=int, default=2048, help="memory limit of a child in MB")
    parser.add_argument("--public-only", action="store_true", help="grade public checks only")
    parser.add_argument("--resume", action="store_true", help="grade only what the journal lacks")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the reports")
    parser.add_argument("-k", dest="keyword", default=None, help="pytest -k expression (select checks)")
    parser.add_argument("-m", dest="markexpr", default=None,
                        help="pytest -m expression: public, hidden, timing")
    parser.add_argument("--student", dest="students", action="append", default=[], metavar="ID",
                        help="grade only this student (repeatable); -k/-m select checks, never students")
    parser.add_argument("-e", "--exercise", dest="exercises", action="append", default=[], metavar="EXERCISE",
                        help="grade only this exercise, e.g. ex02_sigmoid (repeatable)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--sandbox", choices=("auto", "bwrap", "process"), default="auto",
                        help="isolation: bubblewrap namespaces, process-level only, or bubblewrap when it "
                        "runs here (default auto; see SECURITY.md)")
    parser.add_argument("--backend", default=None, help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def check_folder(path: Path) -> None:
    """One-line errors for a missing, non-folder or empty submissions folder."""
    if not path.exists():
        raise UsageError(f"submissions folder not found: {path}")
    if not path.is_dir():
        raise UsageError(f"not a folder: {path}")
    if not any(not p.name.startswith(".") for p in path.iterdir()):
        raise UsageError(f"no submission in {path} (the folder is empty)")


def isolation(mode: str) -> str:
    """The ``--sandbox`` mode resolved once for the whole run (``bwrap`` or ``process``); warns once on
    stderr when ``auto`` falls back to process-level isolation."""
    from grader.sandbox import bwrap

    launcher, warning = bwrap.resolve(mode)
    if warning:
        print(f"deepgrade: warning: {warning}", file=sys.stderr)
    return "bwrap" if launcher is not None else "process"


def _workers(value: str) -> str:
    if value != "auto" and not (value.isdigit() and int(value) >= 0):
        raise UsageError(f"-n expects a number or 'auto', got {value!r}")
    return value


def run(args: argparse.Namespace) -> int:
    from grader.engine import session

    check_folder(args.submissions)
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if args.memory < 256:
        raise UsageError("--memory must be at least 256 MB")
    out = args.out.resolve()
    if args.submissions.resolve() in (out, *out.parents):
        raise UsageError("--out must not be inside the submissions folder")
    grade_entries.account_for_entries(args, out)
    sandbox = isolation(args.sandbox)
    pytest_args = session.pytest_args(
        args.submissions.resolve(),
        out=out,
        workers=_workers(str(args.workers)),
        timeout_s=args.timeout,
        memory_mb=args.memory,
        public_only=args.public_only,
        resume=args.resume,
        backend=args.backend,
        sandbox=sandbox,
        extra=[*(["-k", args.keyword] if args.keyword else []),
               *(["-m", args.markexpr] if args.markexpr else []), *grade_entries.selection_args(args)],
    )
    outcome = session.run(pytest_args, progress=not args.no_progress)
    finished = (0, 1, 5) if args.resume else (0, 1)  # 5: a resumed run found nothing left to grade
    if outcome.exit_code not in finished:
        print(f"deepgrade: grading stopped (pytest exit code {outcome.exit_code})", file=sys.stderr)
        return outcome.exit_code
    return write_reports(out, args.lang)


def write_reports(out: Path, lang: str) -> int:
    """Rebuild every report from the journal in ``out`` (the journal holds resumed runs too), then print
    one line per student."""
    from grader.reports import load_results, summarise
    from grader.reports import write_reports as write

    results = load_results(out)
    paths = write(results, out, lang=lang)
    table = summarise(results)[["student", "points", "max_points", "percent", "status"]]
    print(table.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    print(f"graded {len(table)} submission(s): {len(paths)} report file(s) in {out}")
    return 0

"""`deepgrade grade SUBMISSIONS`: grade a folder of submissions in sandboxes, journal, write reports.

An ``--out`` that holds a journal is refused unless told ``--resume``, ``--regrade`` or ``--fresh``, before
anything is written; hidden checks are refused without ``DEEPGRADE_SECRET`` (or ``--dev-secret``). A run
that stops early (Ctrl-C, SIGTERM, a full disk) says how many submissions are graded and how to finish.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from grader.commands import grade_entries
from grader.engine import settings
from grader.errors import UsageError

if TYPE_CHECKING:
    from grader.engine.session import Outcome

SECRET_HELP = ("hidden checks need the instructor's secret: export DEEPGRADE_SECRET=<a long random string, "
               "the same for every run of the course> (e.g. python -c \"import secrets; "
               "print(secrets.token_hex(32))\"), or pass --dev-secret for a demo (predictable hidden "
               "inputs), or --public-only")
INTERRUPTED = 130
STOPPED = 3


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("grade", help="grade a folder of student submissions")
    parser.add_argument("submissions", type=Path, help="folder with one entry per student")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="reports folder (default reports/)")
    parser.add_argument("-n", "--workers", default="1", help="parallel workers: a number or 'auto'")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per call (default: per check)")
    settings.add_options(parser.add_argument, cli=True)  # --memory, --budget, --disk
    parser.add_argument("--cluster", default=None, metavar="local[:N]|tcp://HOST:PORT",
                        help="grade one submission per Dask task: a local cluster of N worker processes "
                        "(default: one per core) or the scheduler at HOST:PORT (needs the cluster extra: "
                        "pip install 'deepgrade[cluster]'); replaces -n")
    parser.add_argument("--public-only", action="store_true", help="grade public checks only")
    journal = parser.add_mutually_exclusive_group()
    journal.add_argument("--resume", action="store_true",
                         help="an --out holding a journal: grade only what the journal lacks")
    journal.add_argument("--regrade", action="store_true",
                         help="an --out holding a journal: grade the selected submissions/checks (--student, "
                         "-e, -k, -m) again and replace only their records")
    journal.add_argument("--fresh", action="store_true",
                         help="an --out holding a journal: start over (the old journal is renamed beside it)")
    parser.add_argument("--dev-secret", action="store_true",
                        help="grade hidden checks with the public development secret (demos and tests only: "
                        "hidden inputs are then predictable); otherwise DEEPGRADE_SECRET must be set")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the reports")
    parser.add_argument("-k", dest="keyword", default=None, help="pytest -k expression (select checks)")
    parser.add_argument("-m", dest="markexpr", default=None,
                        help="pytest -m expression: public, hidden, timing")
    parser.add_argument("--student", dest="students", action="append", default=[], metavar="ID",
                        help="grade only this student (repeatable); -k/-m select checks, never students")
    parser.add_argument("-e", "--exercise", dest="exercises", action="append", default=[], metavar="EXERCISE",
                        help="grade only this exercise, e.g. ex02_sigmoid (repeatable)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--sandbox", choices=("auto", "bwrap", "process"), default=None,
                        help="isolation: bubblewrap namespaces (the default: an error when bubblewrap cannot "
                        "run here), process-level only, or bubblewrap when it runs here and process-level "
                        "otherwise (auto); see SECURITY.md")
    parser.add_argument("--plots", action="store_true",
                        help="also draw pictures of each student's work (PNG, in OUT/plots/) for the "
                        "feedback pages and summary.html")
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


def isolation(mode: str | None) -> str:
    """The ``--sandbox`` mode resolved once for the whole run (``bwrap`` or ``process``). Without a mode,
    bubblewrap is required: process-level isolation lets a submission do more (SECURITY.md), so the
    instructor accepts it by name (``--sandbox process`` or ``auto``). Warns once on stderr when ``auto``
    falls back to process-level isolation."""
    from grader.sandbox import bwrap

    if mode is None:
        why = bwrap.probe()
        if why:
            raise UsageError(
                f"bubblewrap cannot run here ({why}): install it (apt-get install bubblewrap), or accept "
                "process-level isolation with --sandbox process (see SECURITY.md)"
            )
        mode = "bwrap"
    launcher, warning = bwrap.resolve(mode)
    if warning:
        print(f"deepgrade: warning: {warning}", file=sys.stderr)
    return "bwrap" if launcher is not None else "process"


def _workers(value: str) -> str:
    if value != "auto" and not (value.isdigit() and int(value) >= 0):
        raise UsageError(f"-n expects a number or 'auto', got {value!r}")
    return value


def journal_mode(args: argparse.Namespace) -> str | None:
    """``resume``, ``regrade``, ``fresh`` or ``None``."""
    return next((mode for mode in ("resume", "regrade", "fresh") if getattr(args, mode, False)), None)


def refuse_a_graded_out(out: Path, mode: str | None) -> None:
    """A one-line ``UsageError`` for an ``out`` holding a journal when no mode says what to do with it."""
    from grader.engine.journal import holds_journal, refusal
    from grader.reports import JOURNAL_NAME

    if mode is None and holds_journal(out / JOURNAL_NAME):
        raise UsageError(refusal(out))


def take_secret(args: argparse.Namespace) -> None:
    """Take ``DEEPGRADE_SECRET`` out of the environment and hold it (``grader.seeds``); with
    ``--dev-secret`` hold the development secret instead. No secret and hidden checks to run: a
    ``UsageError`` that says how to set one, before anything is graded."""
    from grader import seeds

    held = seeds.take_secret_from_environment()
    if args.dev_secret:
        if held:
            print("deepgrade: warning: --dev-secret: DEEPGRADE_SECRET is ignored, hidden inputs use the "
                  "public development secret", file=sys.stderr)
        seeds.use_secret(seeds.DEVELOPMENT_SECRET)
    elif not held and not args.public_only:
        raise UsageError(SECRET_HELP)


def run(args: argparse.Namespace) -> int:
    from grader.engine import session

    check_folder(args.submissions)
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    settings.check(args)
    if args.cluster is not None:
        from grader.engine.cluster import parse_address

        parse_address(args.cluster)  # a one-line error for a malformed address or a missing extra
    out = args.out.resolve()
    if args.submissions.resolve() in (out, *out.parents):
        raise UsageError("--out must not be inside the submissions folder")
    take_secret(args)
    mode = journal_mode(args)
    refuse_a_graded_out(out, mode)
    sandbox = isolation(args.sandbox)
    grade_entries.account_for_entries(args, out)
    pytest_args = session.pytest_args(
        args.submissions.resolve(),
        out=out,
        workers=_workers(str(args.workers)),
        cluster=args.cluster,
        timeout_s=args.timeout,
        limits=args,
        public_only=args.public_only,
        mode=mode,
        backend=args.backend,
        sandbox=sandbox,
        extra=[*(["-k", args.keyword] if args.keyword else []),
               *(["-m", args.markexpr] if args.markexpr else []), *grade_entries.selection_args(args)],
    )
    outcome = session.run(pytest_args, progress=not args.no_progress)
    if args.plots and outcome.exit_code in (0, 1) and not outcome.interrupted and not outcome.stop_reason:
        from grader.plots.students import write_student_plots

        write_student_plots(args.submissions, out, args.lang, sandbox=sandbox, students=args.students or None,
                            exercises=args.exercises or None)
    return finish(outcome, out, mode, args.lang)


def progress_line(out: Path) -> str:
    """``N of M submissions graded``, from the plan and the journal in ``out``."""
    from grader.reports import JOURNAL_NAME, load_plan, load_results
    from grader.reports.plan import completeness, recorded

    journal = out / JOURNAL_NAME
    results = load_results(journal) if journal.is_file() else []
    counts = completeness(load_plan(out) or {}, recorded(results))
    graded = sum(have >= expected for have, expected in counts.values())
    return f"{graded} of {len(counts)} submissions graded"


def finish(outcome: Outcome, out: Path, mode: str | None, lang: str) -> int:
    """What to say and return once the session is over: reports when it ran to its end, otherwise how
    far it got and how to finish."""
    code = outcome.exit_code
    if outcome.stop_reason is not None:
        print(f"deepgrade: error: {outcome.stop_reason}; grading stopped, every submission journaled so "
              f"far is kept ({progress_line(out)}): free some space, then run the same command with --resume",
              file=sys.stderr)
        return STOPPED
    if outcome.interrupted:
        if mode == "regrade":
            print("deepgrade: regrade interrupted: the records regraded so far replace the old ones; run the "
                  "same command again to finish", file=sys.stderr)
        else:
            print(f"deepgrade: {progress_line(out)}; run the same command with --resume to finish",
                  file=sys.stderr)
        return INTERRUPTED
    if code == 5 and mode != "resume":
        raise UsageError("no check matched the selection (-k, -m, --student, -e): nothing was graded")
    if code not in (0, 1, 5):  # 5: a resumed run found nothing left to grade
        print(f"deepgrade: grading stopped (pytest exit code {code})", file=sys.stderr)
        return code
    return write_reports(out, lang)


def write_reports(out: Path, lang: str) -> int:
    """Rebuild every report from the journal and the plan in ``out`` (the journal holds resumed and
    regraded runs too; report files of students no longer in it are removed), then print one line per
    student, an unfinished one marked ``incomplete``."""
    from grader.reports import load_plan, load_results, summarise
    from grader.reports import write_reports as write

    results = load_results(out)
    plan = load_plan(out)
    paths = write(results, out, lang=lang, plan=plan)
    table = summarise(results, plan)[["student", "points", "max_points", "percent", "status"]]
    print(table.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    print(f"graded {len(table)} submission(s): {len(paths)} report file(s) in {out}")
    return 0

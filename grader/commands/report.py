"""`deepgrade report`: rebuild every report from recorded results (the journal of `deepgrade grade`, or
an nbgrader gradebook with ``--from-nbgrader``). With the run's ``plan.json``, a student whose grading did
not finish is marked ``incomplete (a/b checks)`` in every report, and the command says how many."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="rebuild the reports from the recorded results")
    parser.add_argument("--out", type=Path, default=Path("reports"),
                        help="reports folder holding results.jsonl (default reports/)")
    parser.add_argument("--from-nbgrader", type=Path, default=None, metavar="DB",
                        help="read the results from an nbgrader gradebook database instead")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the reports")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.reports import JOURNAL_NAME, load_plan, load_results, write_reports
    from grader.reports.plan import completeness, recorded

    plan = None
    if args.from_nbgrader is not None:
        if not args.from_nbgrader.is_file():
            raise UsageError(f"gradebook not found: {args.from_nbgrader}")
        from grader.nbgrader.gradebook import load_results as load_gradebook

        results = load_gradebook(args.from_nbgrader)
    else:
        journal = args.out / JOURNAL_NAME
        if not journal.is_file():
            raise UsageError(f"no results journal in {args.out} (run `deepgrade grade` first)")
        results = load_results(journal)
        plan = load_plan(args.out)
    if not results:
        raise UsageError("no results recorded")
    args.out.mkdir(parents=True, exist_ok=True)
    paths = write_reports(results, args.out, lang=args.lang, plan=plan)
    counts = completeness(plan, recorded(results))
    unfinished = sum(have < expected for have, expected in counts.values())
    print(f"{len(counts)} submission(s): {len(paths)} report file(s) in {args.out}")
    if unfinished:
        print(f"{unfinished} submission(s) incomplete: run deepgrade grade again with --resume to finish")
    return 0

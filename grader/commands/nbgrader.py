"""`deepgrade nbgrader build COURSE_DIR [--assignment NAME ...] [--force]`: generate an nbgrader course
directory from the registry, or merge into an existing one (``grader.nbgrader.build``).

`deepgrade nbgrader collect COURSE_DIR OUT_DIR` copies the submitted notebooks into the layout
`deepgrade grade` reads, and `deepgrade nbgrader compare GRADEBOOK.db RESULTS.jsonl` lists the checks
graded differently by nbgrader and by `deepgrade grade` (``grader.nbgrader.collect``): graded under the
same ``DEEPGRADE_SECRET``, a student's hidden checks get the same inputs on both paths, so hidden checks
compare check by check like public ones."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("nbgrader", help="generate an nbgrader course from the registry")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build", help="write nbgrader_config.py and source/<exercise>/<exercise>.ipynb (one per exercise)"
    )
    build.add_argument("course_dir", type=Path, metavar="COURSE_DIR")
    build.add_argument("--assignment", "-a", action="append", default=None, metavar="NAME",
                       help="only this exercise id (repeatable); default: every exercise")
    build.add_argument("--timeout", type=int, default=None, metavar="SECONDS",
                       help="per-cell execution limit at autograde (default 120)")
    build.add_argument("--force", action="store_true",
                       help="overwrite edited source notebooks and deepgrade's block of nbgrader_config.py "
                       "(or append the block to a config without one); lines outside the block are kept")
    build.set_defaults(run=run)
    collect = actions.add_parser(
        "collect", help="copy submitted/<student>/<id>/<id>.ipynb to OUT_DIR/<student>/ for deepgrade grade"
    )
    collect.add_argument("course_dir", type=Path, metavar="COURSE_DIR")
    collect.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    collect.add_argument("--student", action="append", default=None, help="only this student (repeatable)")
    collect.set_defaults(run=run_collect)
    compare = actions.add_parser(
        "compare", help="checks graded differently by nbgrader and by deepgrade grade (exit 1 if any)"
    )
    compare.add_argument("gradebook", type=Path, metavar="GRADEBOOK.db")
    compare.add_argument("journal", type=Path, metavar="RESULTS.jsonl", help="from deepgrade grade")
    compare.set_defaults(run=run_compare)


def run(args: argparse.Namespace) -> int:
    from grader.nbgrader.build import DEFAULT_TIMEOUT_S, build_course
    from grader.seeds import SECRET_ENV

    timeout = DEFAULT_TIMEOUT_S if args.timeout is None else args.timeout
    files = build_course(args.course_dir, args.assignment, timeout_s=timeout, force=args.force)
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    config = "nbgrader_config.py" if any(p.name == "nbgrader_config.py" for p in files) else (
        "no config change (nbgrader_config.py already up to date)")
    print(f"wrote {len(notebooks)} source notebooks and {config} to {args.course_dir}")
    print(f"next: cd {args.course_dir} && nbgrader generate_assignment '*'")
    print(f"hidden checks draw each student's inputs at autograde: export {SECRET_ENV} (a secret for "
          "nbgrader, not the one of deepgrade grade) where `nbgrader autograde` runs")
    return 0


def run_collect(args: argparse.Namespace) -> int:
    from grader.nbgrader.collect import collect_submissions

    files = collect_submissions(args.course_dir, args.out_dir, args.student)
    students = len({p.parent for p in files})
    print(f"copied {len(files)} notebooks of {students} students to {args.out_dir}")
    print(f"next: deepgrade grade {args.out_dir} --out reports-deepgrade")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from grader.errors import UsageError
    from grader.nbgrader.collect import discrepancies
    from grader.nbgrader.gradebook import load_results
    from grader.reports import load_results as load_journal

    if not args.journal.is_file():
        raise UsageError(f"no deepgrade results at {args.journal}")
    found = discrepancies(load_results(args.gradebook), load_journal(args.journal))
    for d in found:
        print(f"{d.student}  {d.exercise}  {d.check}: "
              f"nbgrader {d.nbgrader_points}, deepgrade {d.deepgrade_points}")
    print(f"{len(found)} check(s) graded differently")
    return 1 if found else 0

"""`deepgrade export --format canvas|moodle|csv --roster ROSTER.csv --from OUT`: the gradebook import file of
a learning platform from a reports folder (``grader.reports.export``), students mapped to the platform's ids
through the roster. Students the roster and the grades do not both know are printed on stderr and listed
in ``OUT/export_mismatches.csv``: never dropped silently."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help="write a Canvas, Moodle or plain CSV gradebook import file")
    parser.add_argument("--format", dest="fmt", choices=("canvas", "moodle", "csv"), required=True,
                        help="the platform's import layout")
    parser.add_argument("--roster", type=Path, required=True,
                        help="CSV: a 'submission' column (deepgrade's ids) and the platform's columns")
    parser.add_argument("--from", dest="out", type=Path, default=Path("reports"),
                        help="reports folder holding grades.parquet (default reports/)")
    parser.add_argument("--to", dest="dest", type=Path, default=None,
                        help="file to write (default OUT/export_<format>.csv)")
    parser.add_argument("--assignment", default="deepgrade",
                        help="the grade column's name (Canvas: 'Name (id)' updates an existing assignment)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.reports.export import MISMATCH_NAME, export

    dest = args.dest or args.out / f"export_{args.fmt}.csv"
    mismatches = export(args.out, args.roster, args.fmt, dest, args.assignment)
    for m in mismatches:
        print(f"deepgrade: warning: {m.submission}: {m.problem}", file=sys.stderr)
    if mismatches:
        print(f"deepgrade: {len(mismatches)} roster mismatch(es), listed in {args.out / MISMATCH_NAME}",
              file=sys.stderr)
    print(f"wrote {dest}")
    return 0

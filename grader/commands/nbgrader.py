"""`deepgrade nbgrader build COURSE_DIR [--assignment NAME ...]`: generate an nbgrader course directory
from the registry (``grader.nbgrader.build``)."""

from __future__ import annotations

import argparse
import os
import sys
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
    build.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.nbgrader.build import DEFAULT_TIMEOUT_S, build_course
    from grader.seeds import SECRET_ENV

    if not os.environ.get(SECRET_ENV):
        print(f"deepgrade: warning: {SECRET_ENV} is not set: the hidden checks' inputs are drawn with the "
              "public development secret", file=sys.stderr)

    timeout = DEFAULT_TIMEOUT_S if args.timeout is None else args.timeout
    files = build_course(args.course_dir, args.assignment, timeout_s=timeout)
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    config = "nbgrader_config.py" if any(p.name == "nbgrader_config.py" for p in files) else (
        "no config (kept the existing nbgrader_config.py, not written by deepgrade)")
    print(f"wrote {len(notebooks)} source notebooks and {config} to {args.course_dir}")
    print(f"next: cd {args.course_dir} && nbgrader generate_assignment '*'")
    return 0

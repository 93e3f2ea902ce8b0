"""`deepgrade release OUT_DIR`: write the plain-files student bundle (``grader.release``)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "release", help="write the student bundle: stubs, public checks, README (no solution, no kernels)"
    )
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="new (or empty) folder to write")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.release import build_bundle

    files = build_bundle(args.out_dir)
    print(f"wrote {len(files)} files to {args.out_dir}; students run: python -m grader.cli check exercises")
    return 0

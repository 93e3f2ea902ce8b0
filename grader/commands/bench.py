"""`deepgrade bench`: placeholder until its issue lands (replace this module)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bench", help="(not available yet)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print("deepgrade bench: not available yet")
    return 1

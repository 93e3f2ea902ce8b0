"""`deepgrade bench`: run the benchmark suite and write CSV tables, PNG plots and a README under --out."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.errors import UsageError

SECTIONS = (
    "stream", "optim", "overhead", "activations", "dense", "mlp", "compile", "grading", "figure39",
    "figure311", "figure31", "figure35_38", "curves", "figure39_tuned",
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "bench",
        help="benchmark the Numba kernels against NumPy and PyTorch",
        description="Run the benchmark suite (peers interleaved in one process) and write CSV tables, PNG "
        "plots and a README.md summary under --out.",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes and few repetitions (minutes)")
    parser.add_argument("--out", type=Path, default=Path("reports/bench"), help="output folder")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        default=None,
        help=f"run only these sections: {', '.join(SECTIONS)}",
    )
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    unknown = sorted(set(args.only or ()) - set(SECTIONS))
    if unknown:
        raise UsageError(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} exists and is not a folder")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create --out {args.out}: {err.strerror}") from err

    from benchmarks.suite import run_suite

    _, status = run_suite(args.out, quick=args.quick or args.tiny, only=args.only, tiny=args.tiny)
    print(f"deepgrade bench: wrote {args.out / 'README.md'}")
    failed = [name for name, s in status.items() if s.startswith("FAILED")]
    return 1 if failed else 0

"""`deepgrade gradescope build OUT.zip`: the Gradescope autograder zip (``grader.gradescope``): upload it as
the assignment's autograder and set ``DEEPGRADE_SECRET`` among its environment variables; the zip never holds
the secret."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("gradescope", help="build a Gradescope autograder zip")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="write the autograder zip (setup.sh, run_autograder, the wheel, "
                               "the solutions; never the secret)")
    build.add_argument("zip", type=Path, metavar="OUT.zip", help="the zip to write")
    build.add_argument("--lang", choices=("fr", "en"), default="en", help="language of the feedback")
    build.add_argument("--sandbox", choices=("auto", "bwrap", "process"), default="auto",
                       help="isolation inside Gradescope's container (default auto: bubblewrap when it runs "
                       "there, process-level otherwise; see SECURITY.md)")
    build.add_argument("--public-only", action="store_true",
                       help="grade public checks only (no secret needed)")
    build.add_argument("--memory", type=int, default=2048, help="memory limit of a child in MB")
    build.add_argument("--budget", type=float, default=300.0, metavar="SECONDS",
                       help="wall time of all calls of the submission together (default 300)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.cli import version
    from grader.errors import UsageError
    from grader.expected import solutions_dir
    from grader.gradescope.bundle import build_zip
    from grader.gradescope.layout import Settings

    if args.memory < 256:
        raise UsageError("--memory must be at least 256 MB")
    if args.budget <= 0:
        raise UsageError("--budget must be positive")
    settings = Settings(version=version(), lang=args.lang, sandbox=args.sandbox, public_only=args.public_only,
                        memory_mb=args.memory, budget_s=args.budget)
    path = build_zip(args.zip, settings, solutions_dir())
    print(f"wrote {path}: upload it as the assignment's autograder on Gradescope (base image Ubuntu 24.04), "
          "then set DEEPGRADE_SECRET in its environment variables")
    return 0

"""``run_autograder``'s Python part, run by Gradescope for each submission:
``python -m grader.gradescope.run [--root /autograder] [-e EXERCISE ...]``.

It copies ``<root>/submission`` into a private folder as the one submission of the student named by
``submission_metadata.json`` (the first submitter's email, else its Gradescope id), runs ``deepgrade grade``
on it in a child process (the sandbox of the zip's settings, ``--sandbox auto`` by default; hidden checks
from ``$DEEPGRADE_SOLUTIONS``, set here to the zip's locked ``instructor/solutions``, with the secret of the
environment variable ``DEEPGRADE_SECRET``), and writes the ``results.json`` that the reports wrote for that
student (``grader.reports.gradescope``, the one builder) to ``<root>/results/results.json``. When no result
comes out (no secret, a grading error) it still writes one, score 0 with the reason, as Gradescope's best
practices ask; the grader's own output goes to stdout, which Gradescope shows to the instructor only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from grader.errors import UsageError
from grader.expected import SOLUTIONS_ENV
from grader.gradescope.layout import (
    DEFAULT_ROOT,
    METADATA,
    RESULTS,
    SECRET_ENV,
    SUBMISSION,
    Settings,
    load_settings,
    solutions,
)
from grader.reports.files import atomic_write_text, slugify
from grader.reports.gradescope import failure_results

NO_SECRET = ("The autograder is not set up: the instructor must set the environment variable "
             "DEEPGRADE_SECRET in the assignment's autograder settings. Your submission was received; it "
             "will be graded again.")
NOT_GRADED = "Your submission could not be graded (the autograder stopped). Your instructor has been told."


def student_id(root: Path) -> str:
    """The first submitter's email (else Gradescope id) from ``submission_metadata.json``, else
    ``submission``."""
    try:
        users = json.loads((root / METADATA).read_text(encoding="utf-8")).get("users") or []
        user = users[0]
        return str(user.get("email") or user.get("id") or "").strip() or "submission"
    except (OSError, ValueError, AttributeError, IndexError, TypeError):
        return "submission"


def grade_command(submissions: Path, out: Path, settings: Settings, exercises: Sequence[str]) -> list[str]:
    """The ``deepgrade grade`` command line for the copied submission."""
    command = [sys.executable, "-m", "grader.cli", "grade", str(submissions), "--out", str(out),
               "--sandbox", settings.sandbox, "--lang", settings.lang, "-n", "1", "--no-progress",
               "--memory", str(settings.memory_mb), "--budget", str(settings.budget_s)]
    if settings.public_only:
        command.append("--public-only")
    return command + [f"--exercise={e}" for e in exercises]


def write_results(root: Path, results: dict | str) -> Path:
    """``<root>/results/results.json`` (a dict is dumped, a string is the file's text)."""
    text = results if isinstance(results, str) else json.dumps(results, ensure_ascii=False, indent=2) + "\n"
    return atomic_write_text(root / RESULTS / "results.json", text)


def grade(root: Path, exercises: Sequence[str] = ()) -> int:
    """Grade ``<root>/submission`` and write ``<root>/results/results.json``; the exit code."""
    settings = load_settings(root)
    if not settings.public_only and not os.environ.get(SECRET_ENV):
        print(f"deepgrade: error: {SECRET_ENV} is not set: add it to the assignment's autograder environment "
              "variables on Gradescope", file=sys.stderr)
        write_results(root, failure_results(NO_SECRET))
        return 2
    if not (root / SUBMISSION).is_dir():
        raise UsageError(f"no submission folder at {root / SUBMISSION}")
    student = student_id(root)
    with tempfile.TemporaryDirectory(prefix="deepgrade-gradescope-") as tmp:
        submissions, out = Path(tmp) / "submissions", Path(tmp) / "out"
        shutil.copytree(root / SUBMISSION, submissions / slugify(student), symlinks=True)
        env = {**os.environ, SOLUTIONS_ENV: str(solutions(root).resolve())}
        proc = subprocess.run(grade_command(submissions, out, settings, exercises), env=env, cwd=tmp,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True)
        print(proc.stdout, end="")
        print(proc.stderr, end="", file=sys.stderr)
        found = sorted((out / "gradescope").glob("*/results.json"))
        if proc.returncode not in (0, 1) or len(found) != 1:
            print(f"deepgrade: error: grading gave exit code {proc.returncode} and {len(found)} result "
                  "file(s)", file=sys.stderr)
            write_results(root, failure_results(NOT_GRADED))
            return 1
        write_results(root, found[0].read_text(encoding="utf-8"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_autograder", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the autograder root (/autograder)")
    parser.add_argument("-e", "--exercise", dest="exercises", action="append", default=[], metavar="EXERCISE",
                        help="grade only this exercise (repeatable; to try the autograder quickly)")
    args = parser.parse_args(argv)
    try:
        return grade(args.root, args.exercises)
    except UsageError as err:
        print(f"deepgrade: error: {err}", file=sys.stderr)
        write_results(args.root, failure_results(NOT_GRADED))
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Gradescope's autograder ``results.json`` for one student: the one builder behind both
``<out>/gradescope/<student>/results.json`` (``deepgrade grade``, ``deepgrade report``) and the file that the
autograder zip's ``run_autograder`` writes to ``/autograder/results/results.json`` (``grader.gradescope``).

Format: Gradescope's "Autograder Specifications" (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
Only documented keys are written. Top level: ``score``, ``execution_time`` (whole seconds), ``visibility``,
``output`` (only when the grading did not finish), ``output_format``, ``test_output_format``,
``test_name_format`` and ``tests``. Each test: ``name``, ``number`` (``"<exercise number>.<check number>"``,
e.g. ``"11.3"`` for the third check of ex11), ``score``, ``max_score``, ``status``, ``output`` (the shared
renderer's paragraph, ``grader.render`` through ``feedback.check_text``), ``tags`` (the exercise id, then
``public`` or ``hidden``) and ``visibility``. Hidden checks are ``after_published``: per the specification a
student sees them, and therefore the total, only once the instructor publishes the grades. Every text is
declared plain text (``text``), so that what a student put in a reason is never rendered as Markdown or HTML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from grader.model import Outcome
from grader.reports.feedback import check_text, incomplete_text

HIDDEN_VISIBILITY = "after_published"
# The keys that Gradescope's specification documents (top level, and per test).
DOCUMENTED_KEYS = frozenset({"score", "execution_time", "output", "output_format", "test_output_format",
                             "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
                             "leaderboard"})
DOCUMENTED_TEST_KEYS = frozenset({"score", "max_score", "status", "name", "name_format", "number", "output",
                                  "output_format", "tags", "visibility", "extra_data"})
_EXERCISE_NUMBER = re.compile(r"ex0*(\d+)")


def exercise_numbers(exercises: Sequence[str]) -> dict[str, int]:
    """Each exercise id's number: the digits of ``exNN_...`` (``ex11_optimizers`` -> 11), else its
    position after the numbered ones (1-based), so that two exercises never share a number."""
    numbers: dict[str, int] = {}
    for ex in dict.fromkeys(exercises):
        match = _EXERCISE_NUMBER.match(ex)
        if match and int(match.group(1)) not in numbers.values():
            numbers[ex] = int(match.group(1))
    top = max(numbers.values(), default=0)
    for ex in dict.fromkeys(exercises):
        if ex not in numbers:
            top += 1
            numbers[ex] = top
    return numbers


def gradescope_results(
    rows: Sequence[Mapping[str, Any]], lang: str, incomplete: tuple[int, int] | None = None
) -> dict[str, Any]:
    """The ``results.json`` object of one student from its records of the long table (one per check of
    the run, ``missing`` ones included); ``score`` is the sum over its checks, ``execution_time`` the
    summed durations rounded up; ``incomplete`` is (checks recorded, checks planned) when the student's
    grading did not finish."""
    numbers = exercise_numbers([str(r["exercise"]) for r in rows])
    seen: dict[str, int] = {}
    tests = []
    for row in rows:
        exercise = str(row["exercise"])
        seen[exercise] = seen.get(exercise, 0) + 1
        tests.append(
            {
                "name": f"{exercise}: {row['check']}",
                "number": f"{numbers[exercise]}.{seen[exercise]}",
                "score": float(row["points"]),
                "max_score": float(row["max_points"]),
                "status": "passed" if row["outcome"] == Outcome.PASSED else "failed",
                "output": check_text(row, lang),
                "tags": [exercise, "hidden" if row["hidden"] else "public"],
                "visibility": HIDDEN_VISIBILITY if row["hidden"] else "visible",
            }
        )
    duration = math.fsum(d for r in rows if math.isfinite(d := float(r["duration_s"])))
    results: dict[str, Any] = {
        "score": math.fsum(float(r["points"]) for r in rows),
        "execution_time": math.ceil(duration),
        "visibility": "visible",
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "tests": tests,
    }
    if incomplete is not None:
        results["output"] = incomplete_text(*incomplete, lang)
    return results


def failure_results(message: str) -> dict[str, Any]:
    """A ``results.json`` for a submission that could not be graded at all (the autograder is not set up,
    grading stopped): score 0 and ``message`` as the top-level output, so Gradescope never shows an
    autograder failure without a reason."""
    return {"score": 0.0, "execution_time": 0, "visibility": "visible", "output": message,
            "output_format": "text", "tests": []}

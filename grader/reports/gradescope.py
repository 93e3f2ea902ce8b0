"""Gradescope's autograder ``results.json`` for one student.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (``score``, ``max_score``,
``tests`` of ``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``). Hidden checks
are shown to the student only once grades are published (``after_published``). Every text is declared
plain text (``output_format``, ``test_output_format``, ``test_name_format``: ``text``), so that what a
student put in a reason is never rendered as Markdown or HTML. A student whose grading did not finish gets
a top-level ``output`` saying so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from grader.model import Outcome
from grader.reports.feedback import check_text, incomplete_text


def gradescope_results(
    rows: Sequence[Mapping[str, Any]], lang: str, incomplete: tuple[int, int] | None = None
) -> dict[str, Any]:
    """The ``results.json`` object of one student from its records of the long table; ``score`` and
    ``max_score`` are the sums over its checks, ``execution_time`` the summed durations, rounded up;
    ``incomplete`` is (checks recorded, checks planned) when the student's grading did not finish."""
    tests = []
    for number, row in enumerate(rows, start=1):
        tests.append(
            {
                "name": f"{row['exercise']}: {row['check']}",
                "number": str(number),
                "score": float(row["points"]),
                "max_score": float(row["max_points"]),
                "status": "passed" if row["outcome"] == Outcome.PASSED else "failed",
                "output": check_text(row, lang),
                "visibility": "after_published" if row["hidden"] else "visible",
            }
        )
    duration = math.fsum(d for r in rows if math.isfinite(d := float(r["duration_s"])))
    results: dict[str, Any] = {
        "score": math.fsum(float(r["points"]) for r in rows),
        "max_score": math.fsum(float(r["max_points"]) for r in rows),
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

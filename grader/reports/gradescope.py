"""Gradescope's autograder ``results.json`` for one student.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (``score``, ``max_score``,
``tests`` of ``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``). Hidden checks
are shown to the student only once grades are published (``after_published``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from grader.model import Outcome
from grader.reports.feedback import check_text


def gradescope_results(rows: Sequence[Mapping[str, Any]], lang: str) -> dict[str, Any]:
    """The ``results.json`` object of one student from its records of the long table; ``score`` and
    ``max_score`` are the sums over its checks, ``execution_time`` the summed durations, rounded up."""
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
    return {
        "score": math.fsum(float(r["points"]) for r in rows),
        "max_score": math.fsum(float(r["max_points"]) for r in rows),
        "execution_time": math.ceil(duration),
        "visibility": "visible",
        "tests": tests,
    }

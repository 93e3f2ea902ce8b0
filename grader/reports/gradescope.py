"""Gradescope's autograder ``results.json`` for one student.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (``score``, ``max_score``,
``tests`` of ``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``). Hidden checks
are shown to the student only once grades are published (``after_published``).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from grader.model import Outcome
from grader.reports.feedback import cell_text, outcome_label


def gradescope_results(rows: pd.DataFrame, lang: str) -> dict[str, Any]:
    """The ``results.json`` object of one student from its rows of the long table."""
    message = "message_fr" if lang == "fr" else "message_en"
    tests = []
    for number, row in enumerate(rows.itertuples(), start=1):
        text = cell_text(getattr(row, message)) or cell_text(row.reason)
        output = outcome_label(row.outcome, lang) + (f": {text}" if text.strip() else "")
        tests.append({
            "name": f"{row.exercise}: {row.check}",
            "number": str(number),
            "score": float(row.points),
            "max_score": float(row.max_points),
            "status": "passed" if row.outcome == Outcome.PASSED else "failed",
            "output": output,
            "visibility": "after_published" if row.hidden else "visible",
        })
    duration = float(rows["duration_s"].fillna(0.0).sum())
    return {
        "score": float(rows["points"].sum()),
        "max_score": float(rows["max_points"].sum()),
        "execution_time": math.ceil(duration),
        "visibility": "visible",
        "tests": tests,
    }

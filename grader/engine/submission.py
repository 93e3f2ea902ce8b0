"""Grading one submission: the unit of work of every front end (the pytest plugin's items on xdist
workers, a Dask task, a benchmark).

``grade_submission(pool, sub, checks)`` grades the planned ``checks`` of ``sub`` in order with one sandbox,
started on the first call and closed when the last check is done (or when grading fails), and returns one
plain ``CheckResult`` per check, in the order given: nothing of the submission's children outlives the
call. An exercise that intake found unusable (``Submission.problems``) is recorded ``missing`` with that
reason without starting a sandbox; a failure of the grader's own machinery on one check (a broken
reference, a registry bug) is that check's ``error: grader error: ...`` and the other checks go on. The
pool's reference children (timing races) serve every submission of the process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from grader.engine.grading import Planned, Pool, failure_result, grade
from grader.intake import Submission
from grader.model import CheckResult, Outcome


def _one_line(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return f"grader error: {text}"[:300]


def grade_submission(pool: Pool, sub: Submission, checks: Sequence[Planned]) -> list[CheckResult]:
    """One record per planned check of ``sub`` (module docstring)."""
    results = []
    try:
        for planned in checks:
            exercise = pool.backend.by_id(planned.exercise)
            check = next(c for c in exercise.checks if c.name == planned.check)
            problem = sub.problems.get(planned.exercise)
            one = dataclasses.replace(sub, path=None, reason=problem) if problem else sub
            try:
                results.append(grade(pool, one, exercise, check))
            except Exception as exc:
                results.append(failure_result(planned, Outcome.ERROR, _one_line(exc)))
    finally:
        pool.release(sub.id)
    return results

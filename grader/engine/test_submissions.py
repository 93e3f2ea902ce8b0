"""The pytest test module of a grading run: one item per (submission, exercise, check).

This file is given to pytest explicitly by the grader (``grader.plugin``); it never lives in, nor
collects from, the submissions. Ids read ``s00012::ex02_sigmoid::report_values``: an opaque key per
submission, never the student id, so ``-k``/``-m`` select checks only (students are chosen with
``--grade-student``). Each item carries the marks ``points(n)``, ``public`` or ``hidden``, ``timing`` when
it races the reference, and ``xdist_group(<key>)`` so ``--dist loadgroup`` keeps a submission on one
worker and reuses its child. An exercise that intake found unusable (``Submission.problems``) is recorded
as missing with that reason, without starting a sandbox.
"""

from __future__ import annotations

import dataclasses

import pytest

from grader.engine.grading import Planned, grade
from grader.engine.state import get_state
from grader.model import RESULT_KEY, Outcome, to_json


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "planned" not in metafunc.fixturenames:
        return
    params = []
    for p in get_state(metafunc.config).plan:
        marks = [pytest.mark.points(p.points), pytest.mark.xdist_group(p.pid.split("::", 1)[0])]
        marks.append(pytest.mark.hidden if p.hidden else pytest.mark.public)
        if p.timing:
            marks.append(pytest.mark.timing)
        params.append(pytest.param(p, id=p.pid, marks=marks))
    metafunc.parametrize("planned", params)


def test_check(planned: Planned, request: pytest.FixtureRequest) -> None:
    state = get_state(request.config)
    exercise = state.backend.by_id(planned.exercise)
    check = next(c for c in exercise.checks if c.name == planned.check)
    sub = state.submissions[planned.student]
    problem = sub.problems.get(planned.exercise)
    if problem:
        sub = dataclasses.replace(sub, path=None, reason=problem)
    result = grade(state.pool, sub, exercise, check)
    request.node.user_properties.append((RESULT_KEY, to_json(result)))
    if result.outcome is not Outcome.PASSED:
        pytest.fail(f"{result.outcome}: {result.reason}", pytrace=False)

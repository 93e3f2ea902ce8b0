"""The pytest test module of a grading run: one item per (submission, exercise, check).

This file is given to pytest explicitly by the grader (``grader.plugin``); it never lives in, nor
collects from, the submissions. Ids read ``s00012::ex02_sigmoid::report_values``: an opaque key per
submission, never the student id, so ``-k``/``-m`` select checks only (students are chosen with
``--grade-student``). Each item carries the marks ``points(n)``, ``public`` or ``hidden`` and ``timing``
when it races the reference. The first item of a submission grades all its selected checks at once
(``grader.engine.submission.grade_submission``, one sandbox from start to end); the grader's scheduler
(``grader.engine.scheduling``) keeps a submission's items on one xdist worker, by the key in their ids.
"""

from __future__ import annotations

import pytest

from grader.engine.grading import Planned
from grader.engine.state import get_state
from grader.model import RESULT_KEY, Outcome, to_json


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "planned" not in metafunc.fixturenames:
        return
    params = []
    for p in get_state(metafunc.config).plan:
        marks = [pytest.mark.points(p.points), pytest.mark.hidden if p.hidden else pytest.mark.public]
        if p.timing:
            marks.append(pytest.mark.timing)
        params.append(pytest.param(p, id=p.pid, marks=marks))
    metafunc.parametrize("planned", params)


def test_check(planned: Planned, request: pytest.FixtureRequest) -> None:
    result = get_state(request.config).result(planned, request.session.items)
    request.node.user_properties.append((RESULT_KEY, to_json(result)))
    if result.outcome is not Outcome.PASSED:
        pytest.fail(f"{result.outcome}: {result.reason}", pytrace=False)

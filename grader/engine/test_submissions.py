"""The pytest file of a grading run: one item per (submission, exercise, check).

The grader gives pytest this file explicitly (``grader.plugin``); it never lives in, nor collects from, the
submissions. Ids read ``test_check[s00012::ex02_sigmoid::report_values]``: an opaque key per submission,
never the student id, so ``-k``/``-m`` select checks only (students are chosen with ``--grade-student``).
Each item carries the marks ``points(n)``, ``public`` or ``hidden`` and ``timing`` when it races the
reference. The first item of a submission grades all its selected checks at once
(``grader.engine.submission.grade_submission``, one sandbox from start to end); the grader's scheduler
(``grader.engine.scheduling``) keeps a submission's items on one xdist worker, by the key in their ids.

The plugin collects this file as a ``CheckFile`` (``pytest_pycollect_makemodule``) whose items are
``CheckItem``s, instead of parametrising a test function: a parametrised function item carries its own
fixture request, call spec and mark objects, about 5 KB each (0.75 GB and 17 s to collect the 143,000
checks of 1,000 submissions, in the controller and again in every xdist worker). A ``CheckItem`` holds its
``Planned`` and marks shared by all items with the same points.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from grader.engine.grading import Planned
from grader.engine.state import get_state
from grader.model import RESULT_KEY, Outcome, to_json


class CheckItem(pytest.Item):
    """One check of one submission; ``planned`` says which."""

    def __init__(self, *, planned: Planned, marks: tuple[pytest.Mark, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.planned = planned
        self.own_markers.extend(marks)
        self.keywords.update({mark.name: mark for mark in marks})

    def runtest(self) -> None:
        result = get_state(self.config).result(self.planned, self.session.items)
        self.user_properties.append((RESULT_KEY, to_json(result)))
        if result.outcome is not Outcome.PASSED:
            pytest.fail(f"{result.outcome}: {result.reason}", pytrace=False)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, self.name


class CheckFile(pytest.File):
    """This file, collected as the run's plan: a ``CheckItem`` per planned check, in plan order."""

    def collect(self) -> Iterator[CheckItem]:
        shared: dict[tuple[float, bool, bool], tuple[pytest.Mark, ...]] = {}
        for p in get_state(self.config).plan:
            key = (p.points, p.hidden, p.timing)
            if key not in shared:
                marks = [pytest.mark.points(p.points), pytest.mark.hidden if p.hidden else pytest.mark.public]
                if p.timing:
                    marks.append(pytest.mark.timing)
                shared[key] = tuple(m.mark for m in marks)
            yield CheckItem.from_parent(self, name=f"test_check[{p.pid}]", planned=p, marks=shared[key])

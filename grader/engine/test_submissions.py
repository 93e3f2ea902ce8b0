"""The pytest file of a grading run: one item per submission, grading its selected checks at once.

The grader gives pytest this file explicitly (``grader.plugin``); it never lives in, nor collects from, the
submissions. Ids read ``test_submission[s00012]``: an opaque key per submission, never the student id
(students are chosen with ``--grade-student``). ``-k`` and ``-m`` select checks, not submissions: the plugin
evaluates them on every planned check (``grader.engine.selection``; names like
``test_check[s00012::ex02_sigmoid::report_values]``, marks ``points``, ``public`` or ``hidden``, ``timing``),
and a submission with no check left has no item. An item calls
``grader.engine.submission.grade_submission`` (one sandbox from start to end) and hands the records to the
controller as JSON lines in its report's ``user_properties``; it fails when any check is not passed, naming
each such check and why.

One item per submission keeps every pytest process's memory in proportion to the submissions, not to their
checks: as one item per check, collecting the 143,000 checks of 1,000 submissions took 0.5 GB in the
controller and again in every xdist worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from grader.engine.grading import Planned
from grader.engine.state import get_state
from grader.engine.submission import grade_submission
from grader.model import RESULT_KEY, Outcome, to_json


class SubmissionItem(pytest.Item):
    """The selected checks (``checks``, in plan order) of one submission."""

    def __init__(self, *, checks: tuple[Planned, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checks = checks

    def runtest(self) -> None:
        state = get_state(self.config)
        results = grade_submission(state.pool, state.submissions[self.checks[0].student], list(self.checks))
        self.user_properties.append((RESULT_KEY, "\n".join(to_json(r) for r in results)))
        failed = [f"{p.exercise}::{p.check}: {r.outcome}: {r.reason}"
                  for p, r in zip(self.checks, results, strict=True) if r.outcome is not Outcome.PASSED]
        if failed:
            pytest.fail(f"{len(failed)} of {len(results)} checks not passed\n" + "\n".join(failed),
                        pytrace=False)

    def teardown(self) -> None:
        self.user_properties.clear()  # the records reached the controller with the call's report

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, self.name


class CheckFile(pytest.File):
    """This file, collected as the run's plan: a ``SubmissionItem`` per submission with checks to grade."""

    def collect(self) -> Iterator[SubmissionItem]:
        for key, checks in get_state(self.config).selected(self.config).items():
            yield SubmissionItem.from_parent(self, name=f"test_submission[{key}]", checks=checks)

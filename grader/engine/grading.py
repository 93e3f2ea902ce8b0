"""Grading one check of one submission (trusted, parent side): build the inputs, call the child, judge.

Only the parent decides: it builds the inputs from the registry (seeded by ``grader.seeds``), sends them
to the submission's sandbox, and judges the plain data that comes back with ``grader.compare``. A check
with no usable answer is recorded with the sandbox's reason (timeout, crash, not implemented, ...).

Timing checks (``check.timing``) race the same scenario in the submission's child and in a child of the
same kind serving the reference module: after a warm-up call (compilation) whose value must be correct,
the calls alternate ``TIMING_REPEATS`` times; each wall time is measured by the parent around the call,
and the check passes when ``min(student) <= TIMING_FACTOR * min(reference)``. Numbers the child might
report are never used, and each timed reply must still hold the correct value.
"""

from __future__ import annotations

import atexit
import shutil
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import tempdirs
from grader.engine.backend import Backend
from grader.intake import Submission
from grader.model import Check, CheckResult, Exercise, Outcome
from grader.sandbox import Limits, Reply, Sandbox

TIMING_FACTOR = 2.0
TIMING_REPEATS = 3


@dataclass(frozen=True)
class Options:
    """Settings of a grading run; ``timeout_s`` (when set) replaces every check's own limit."""

    limits: Limits = field(default_factory=Limits)
    timeout_s: float | None = None
    public_only: bool = False
    timing_factor: float = TIMING_FACTOR
    timing_repeats: int = TIMING_REPEATS
    launcher: Callable[[Path], Sequence[str]] | None = None  # e.g. grader.sandbox.bwrap.launcher()


@dataclass(frozen=True)
class Planned:
    """One pytest item: a check of an exercise for a submission. ``pid`` is its pytest id."""

    pid: str
    student: str
    exercise: str
    check: str
    points: float
    hidden: bool
    timing: bool


def _safe(text: str) -> str:
    """A registry name (exercise, check) as a pytest-id fragment: ASCII letters, digits, ``._-``."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in text) or "_"


def submission_key(index: int) -> str:
    """The opaque, stable key of the ``index``-th submission (sorted by id) in pytest ids and xdist
    groups: ids never contain a student id, so ``-k``/``-m`` select checks, never students."""
    return f"s{index:05d}"


def plan(
    submissions: Sequence[Submission],
    exercises: Sequence[Exercise],
    public_only: bool,
    *,
    students: Collection[str] | None = None,
    exercise_ids: Collection[str] | None = None,
) -> list[Planned]:
    """Every (submission, exercise, check), in that order, limited to ``students`` and ``exercise_ids``
    when given. Ids read ``s00012::ex02_sigmoid::report_values``: the key comes from the submission's
    place in ``submissions`` (all of them, before selection), so it is the same in every process."""
    out = []
    for index, sub in enumerate(submissions):
        if students is not None and sub.id not in students:
            continue
        key = submission_key(index)
        for ex in exercises:
            if exercise_ids is not None and ex.id not in exercise_ids:
                continue
            for check in ex.checks:
                if public_only and check.hidden:
                    continue
                out.append(
                    Planned(
                        f"{key}::{_safe(ex.id)}::{_safe(check.name)}",
                        sub.id,
                        ex.id,
                        check.name,
                        float(check.points),
                        check.hidden,
                        check.timing,
                    )
                )
    return out


class Pool:
    """The sandboxes of one process: the current submission's (the previous ones are closed) and one
    reference child per exercise with timing checks."""

    def __init__(self, backend: Backend, options: Options) -> None:
        self.backend, self.options = backend, options
        self._subs: dict[str, Sandbox] = {}
        self._refs: dict[str, Sandbox] = {}
        self._scratch = tempdirs.make("ref")
        atexit.register(self.close)

    def sandbox(self, sub: Submission) -> Sandbox:
        if sub.id not in self._subs:
            for box in self._subs.values():
                box.close()
            self._subs = {sub.id: Sandbox(sub.path, limits=self.options.limits, harness=self.backend.harness,
                                          launcher=self.options.launcher)}
        return self._subs[sub.id]

    def reference(self, exercise_id: str) -> Sandbox:
        if exercise_id not in self._refs:
            src = self.backend.reference_module(exercise_id)
            folder = self._scratch / exercise_id
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, folder / f"{exercise_id}.py")
            self._refs[exercise_id] = Sandbox(
                folder, limits=self.options.limits, harness=self.backend.harness,
                launcher=self.options.launcher,
            )
        return self._refs[exercise_id]

    def close(self) -> None:
        for box in [*self._subs.values(), *self._refs.values()]:
            box.close()
        self._subs, self._refs = {}, {}
        shutil.rmtree(self._scratch, ignore_errors=True)


class GraderError(RuntimeError):
    """The grader's own machinery failed (a broken reference module, a registry bug): not the student's."""


def _inputs(case: Any) -> dict[str, Any]:
    return {k: v for k, v in dict(case.inputs).items() if k != "_expected"}


def _timed(
    pool: Pool, box: Sandbox, exercise: Exercise, check: Check, case: Any, timeout: float
) -> tuple[Outcome, str, float]:
    judge = pool.backend.judge
    kwargs = _inputs(case)
    warm = box.call(exercise.id, check.target, kwargs, timeout)
    if not warm.ok:
        return warm.outcome, warm.error, warm.duration_s
    outcome, detail = judge(check, case.expected, warm.value)
    if outcome is not Outcome.PASSED:
        return outcome, detail, warm.duration_s
    ref = pool.reference(exercise.id)
    ref_warm = ref.call(exercise.id, check.target, kwargs, timeout)
    if not ref_warm.ok:
        raise GraderError(
            f"reference for {exercise.id}.{check.name} failed: {ref_warm.status} {ref_warm.error}"
        )
    student, reference, total = [], [], warm.duration_s
    for _ in range(pool.options.timing_repeats):
        got = box.call(exercise.id, check.target, kwargs, timeout)
        total += got.duration_s
        if not got.ok:
            return got.outcome, f"timed call: {got.error}", total
        outcome, detail = judge(check, case.expected, got.value)
        if outcome is not Outcome.PASSED:
            return outcome, f"timed call: {detail}", total
        student.append(got.duration_s)
        r = ref.call(exercise.id, check.target, kwargs, timeout)
        if not r.ok:
            raise GraderError(f"reference for {exercise.id}.{check.name} failed: {r.status} {r.error}")
        reference.append(r.duration_s)
    ratio = min(student) / max(min(reference), 1e-9)
    factor = pool.options.timing_factor
    detail = (
        f"{min(student):.3f} s vs reference {min(reference):.3f} s: {ratio:.2f}x "
        f"(at most {factor:g}x to pass)"
    )
    return (Outcome.PASSED if ratio <= factor else Outcome.FAILED), ("" if ratio <= factor else detail), total


@dataclass(frozen=True)
class Graded:
    """A record and the values behind it (for the student's table: expected and what came back)."""

    result: CheckResult
    expected: Any = None
    got: Any = None


def grade(pool: Pool, sub: Submission, exercise: Exercise, check: Check) -> CheckResult:
    """Grade ``check`` of ``exercise`` for ``sub`` and return the record to journal."""
    return grade_detailed(pool, sub, exercise, check).result


def grade_detailed(pool: Pool, sub: Submission, exercise: Exercise, check: Check) -> Graded:
    """``grade``, keeping the expected value and the value that came back."""
    backend = pool.backend
    duration, expected, got = 0.0, None, None
    if sub.path is None:
        outcome, detail = Outcome.MISSING, sub.reason
    else:
        case = backend.make_case(exercise, check, sub.id)
        expected = case.expected
        box = pool.sandbox(sub)
        timeout = pool.options.timeout_s or check.timeout_s
        if check.timing:
            outcome, detail, duration = _timed(pool, box, exercise, check, case, timeout)
        else:
            reply: Reply = box.call(exercise.id, check.target, _inputs(case), timeout)
            duration, got = reply.duration_s, reply.value
            if reply.ok:
                outcome, detail = backend.judge(check, case.expected, reply.value)
            else:
                outcome, detail = reply.outcome, reply.error
    detail = " ".join(str(detail).split())[:500]
    result = CheckResult(
        student=sub.id,
        exercise=exercise.id,
        check=check.name,
        points=float(check.points) if outcome is Outcome.PASSED else 0.0,
        max_points=float(check.points),
        outcome=outcome,
        reason="" if outcome is Outcome.PASSED else detail,
        message_fr=backend.feedback(exercise, check, outcome, detail, "fr"),
        message_en=backend.feedback(exercise, check, outcome, detail, "en"),
        duration_s=round(duration, 6),
        hidden=check.hidden,
    )
    return Graded(result, expected, got)


def failure_result(planned: Planned, outcome: Outcome, reason: str) -> CheckResult:
    """The record of an item that produced no result of its own (a grader error, a lost worker)."""
    return CheckResult(
        planned.student,
        planned.exercise,
        planned.check,
        0.0,
        planned.points,
        outcome,
        reason,
        reason,
        reason,
        0.0,
        planned.hidden,
    )

"""Grading one check of one submission (trusted, parent side): build the inputs, call the child, judge.

Only the parent decides: it builds the inputs from the registry (seeded by ``grader.seeds``), sends them
to the submission's sandbox, settles a scenario's raw reply with the parent's own verdicts
(``grader.verdicts``: whether the student modified its arguments is decided here, never in the child),
and judges the plain data with ``grader.compare``. A reply is decoded within a budget sized from the
expected value (``values.decode(max_elements=)``). A check with no usable answer is recorded with the
sandbox's reason (timeout, crash, not implemented, ...).

Timing checks (``check.timing``) race the student against the reference: ``grader.engine.timing``.
"""

from __future__ import annotations

import atexit
import inspect
import shutil
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader import tempdirs, values, verdicts
from grader.engine.backend import Backend
from grader.intake import Submission
from grader.model import Check, CheckResult, Exercise, Outcome, check_result
from grader.sandbox import Limits, Reply, Sandbox

TIMING_FACTOR = 2.0
TIMING_REPEATS = 5  # timed runs of each side per round
TIMING_NOISE = 1.25  # a ratio within [factor / NOISE, factor * NOISE] earns another round...
TIMING_ROUNDS = 3  # ...up to this many rounds in all
TIMING_EARLY = 2  # pairs after which a ratio far from the threshold ends the first round
REPLY_MIN_ELEMENTS = 1024  # the smallest decoding budget of a reply (values.size)


@dataclass(frozen=True)
class Options:
    """Settings of a grading run; ``timeout_s`` (when set) replaces every check's own limit."""

    limits: Limits = field(default_factory=Limits)
    timeout_s: float | None = None
    public_only: bool = False
    timing_factor: float = TIMING_FACTOR
    timing_repeats: int = TIMING_REPEATS
    timing_noise: float = TIMING_NOISE
    timing_rounds: int = TIMING_ROUNDS
    timing_early: int = TIMING_EARLY
    launcher: Callable[[Path, int], Sequence[str]] | None = None  # e.g. grader.sandbox.bwrap.launcher()


@dataclass(frozen=True, slots=True)
class Planned:
    """One check of an exercise for a submission, as planned. ``pid`` (``s00012::ex02_sigmoid::values``)
    names it in every process of a run; a run plans one per check of every submission (slots: no
    ``__dict__`` per check)."""

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
        self.warmed: set[tuple[int, str]] = set()  # (reference child's pid, target) warmed up by a race
        self.timed_cases: dict[tuple[str, ...], tuple[dict[str, Any], Any]] = {}  # timing.run_case's
        self._scratch = tempdirs.make("ref")
        atexit.register(self.close)

    def sandbox(self, sub: Submission) -> Sandbox:
        if sub.id not in self._subs:
            for box in self._subs.values():
                box.close()
            self._subs = {sub.id: Sandbox(sub.path, limits=self.options.limits, harness=self.backend.harness,
                                          launcher=self.options.launcher)}
        return self._subs[sub.id]

    def release(self, student: str) -> None:
        """Close the sandbox of ``student`` (its child and private folder), if it has one."""
        box = self._subs.pop(student, None)
        if box is not None:
            box.close()

    def reference(self, exercise_id: str) -> Sandbox:
        if exercise_id not in self._refs:
            src = self.backend.reference_module(exercise_id)
            folder = self._scratch / exercise_id
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, folder / f"{exercise_id}.py")
            # a reference child serves every submission of the run: no per-submission time budget
            self._refs[exercise_id] = Sandbox(
                folder, limits=replace(self.options.limits, budget_s=float("inf")),
                harness=self.backend.harness, launcher=self.options.launcher,
            )
        return self._refs[exercise_id]

    def close(self) -> None:
        for box in [*self._subs.values(), *self._refs.values()]:
            box.close()
        self._subs, self._refs, self.warmed = {}, {}, set()
        shutil.rmtree(self._scratch, ignore_errors=True)


class GraderError(RuntimeError):
    """The grader's own machinery failed (a broken reference module, a registry bug): not the student's."""


def _inputs(case: Any) -> dict[str, Any]:
    return {k: v for k, v in dict(case.inputs).items() if k != "_expected"}


def _call(
    box: Sandbox, exercise_id: str, target: str, kwargs: dict[str, Any], timeout: float, *,
    max_elements: int, timed: bool = False,
) -> Reply:
    """``box.call`` with the keywords this sandbox accepts: the reply's decoding budget and, for a timed
    run, the parent's measurement of the child's CPU time."""
    accepted = _call_keywords(type(box))
    extra: dict[str, Any] = {"max_elements": max_elements} if "max_elements" in accepted else {}
    if timed and "timed" in accepted:
        extra["timed"] = True
    return box.call(exercise_id, target, kwargs, timeout, **extra)


_KEYWORDS: dict[type, frozenset[str]] = {}


def _call_keywords(kind: type) -> frozenset[str]:
    if kind not in _KEYWORDS:
        try:
            params = inspect.signature(kind.call).parameters.values()
        except (TypeError, ValueError):
            params = ()
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            _KEYWORDS[kind] = frozenset({"max_elements", "timed"})
        else:
            _KEYWORDS[kind] = frozenset(p.name for p in params)
    return _KEYWORDS[kind]


def _reply_budget(target: str, inputs: dict[str, Any], expected: Any) -> int:
    """How many elements a reply may hold: four times the expected value's, or what the scenario's
    verdict needs (its raw trace), at least ``REPLY_MIN_ELEMENTS``."""
    return max(REPLY_MIN_ELEMENTS, 4 * values.size(expected), verdicts.budget(target, inputs))


def _settled(target: str, inputs: dict[str, Any], reply: Reply) -> tuple[Any, str]:
    """The reply's value with the parent's verdicts filled in, or ``(None, reason)`` when its structure
    does not allow them."""
    try:
        return verdicts.settle(target, inputs, reply.value), ""
    except verdicts.BadTrace as exc:
        return None, str(exc)


@dataclass(frozen=True)
class Graded:
    """A record and the values behind it (for the student's table: expected and what came back) and, for
    a timing check that raced, the race's numbers whatever its outcome (a passed record has no reason)."""

    result: CheckResult
    expected: Any = None
    got: Any = None
    timing: str = ""


def grade(pool: Pool, sub: Submission, exercise: Exercise, check: Check) -> CheckResult:
    """Grade ``check`` of ``exercise`` for ``sub`` and return the record to journal."""
    return grade_detailed(pool, sub, exercise, check).result


def grade_detailed(pool: Pool, sub: Submission, exercise: Exercise, check: Check) -> Graded:
    """``grade``, keeping the expected value and the value that came back."""
    backend = pool.backend
    duration, expected, got, timing = 0.0, None, None, ""
    if sub.path is None:
        outcome, detail = Outcome.MISSING, sub.reason
    else:
        case = backend.make_case(exercise, check, sub.id)
        expected = case.expected
        box = pool.sandbox(sub)
        timeout = pool.options.timeout_s or check.timeout_s
        if check.timing:
            from grader.engine.timing import timed

            outcome, detail, duration = timed(pool, box, exercise, check, case, timeout)
            timing = detail if "vs reference" in detail else ""
        else:
            kwargs = _inputs(case)
            reply = _call(box, exercise.id, check.target, kwargs, timeout,
                          max_elements=_reply_budget(check.target, kwargs, expected))
            duration = reply.duration_s
            if not reply.ok:
                outcome, detail = reply.outcome, reply.error
            else:
                got, bad = _settled(check.target, kwargs, reply)
                outcome, detail = (Outcome.INVALID, bad) if bad else backend.judge(check, expected, got)
    result = check_result(sub.id, exercise, check, outcome, detail, duration_s=duration,
                          feedback=backend.feedback)
    return Graded(result, expected, got, timing)


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

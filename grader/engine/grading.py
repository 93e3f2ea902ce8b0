"""Grading one check of one submission (trusted, parent side): build the inputs, call the child, judge.

Only the parent decides: it builds the inputs from the registry (seeded by ``grader.seeds``), sends them
to the submission's sandbox, settles a scenario's raw reply with the parent's own verdicts
(``grader.verdicts``: whether the student modified its arguments is decided here, never in the child),
and judges the plain data with ``grader.compare``. A reply is decoded within a budget sized from the
expected value (``values.decode(max_elements=)``). A check with no usable answer is recorded with the
sandbox's reason (timeout, crash, not implemented, ...).

Timing checks (``check.timing``) race the same scenario in the submission's child and in a child of the same
kind serving the reference module. A warm-up call on the check's inputs (compilation) must give the correct
value; the reference child, which serves every submission of the process, is warmed up once per child and
target (``Pool.warmed``, keyed by its pid: a restarted child is warmed up again). Then every timed run gets
fresh inputs, drawn from a seed derived from the secret, the student, the check's seed and the run's index,
and its reply is judged against the value the parent computes for those inputs with the trusted reference
module (so a result computed once cannot be replayed). Student and reference calls are interleaved (order
alternating) ``TIMING_REPEATS`` times per round and timed by the child's CPU time as the parent measures it
(``Reply.cpu_s``; wall time where the sandbox cannot measure it); the check passes when ``min(student) <=
TIMING_FACTOR * min(reference)``. A ratio within a factor ``TIMING_NOISE`` of the threshold is too close to
call under load: another round is run, up to ``TIMING_ROUNDS`` rounds, minima over all runs. The first round
ends early when the ratio after ``TIMING_EARLY`` interleaved pairs is already outside that band (below 1.6x or
above 2.5x for a 2x threshold: the perfect sample races at about 1.45x); a ratio inside it completes the round
and earns the extra rounds as above, so only a clear verdict is reached on fewer runs. Numbers the child might
report are never used.
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import importlib.util
import inspect
import shutil
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

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
        self.warmed: set[tuple[int, str]] = set()  # (reference child's pid, target) warmed up by a race
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


def _sample(reply: Reply) -> tuple[float | None, float]:
    """``(CPU seconds or None, wall seconds)`` of a timed run, both measured by the parent: the child's
    CPU time where the sandbox measures it (``Reply.cpu_s``), the wall time around the call."""
    cpu = getattr(reply, "cpu_s", None)
    if isinstance(cpu, int | float) and not isinstance(cpu, bool) and cpu >= 0:
        return float(cpu), reply.duration_s
    return None, reply.duration_s


def _best(samples: list[tuple[float | None, float]], every: list[tuple[float | None, float]]) -> float:
    """The best time of ``samples``: CPU time when every run of the race (``every``) has one, else wall."""
    use_cpu = all(c is not None for c, _ in every)
    return min(c if use_cpu and c is not None else w for c, w in samples)


_TRUSTED: dict[Path, ModuleType] = {}


def _far(student: list[tuple[float | None, float]], reference: list[tuple[float | None, float]],
         factor: float, opts: Options) -> bool:
    """Whether the runs so far put the ratio outside ``[factor / noise, factor * noise]``: a clear verdict."""
    every = student + reference
    ratio = _best(student, every) / max(_best(reference, every), 1e-9)
    return not factor / opts.timing_noise <= ratio <= factor * opts.timing_noise


def _trusted_module(path: Path) -> ModuleType:
    """A trusted file of the backend (its harness, a reference module) loaded in this process once."""
    path = path.resolve()
    if path not in _TRUSTED:
        name = f"_deepgrade_trusted_{hashlib.sha256(str(path).encode()).hexdigest()[:16]}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise GraderError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _TRUSTED[path] = module
    return _TRUSTED[path]


def _trusted_value(pool: Pool, exercise: Exercise, check: Check, inputs: dict[str, Any]) -> Any:
    """The expected value of ``check`` for ``inputs``, computed in this process by the reference module
    (trusted, the one timing checks race against) through the backend's harness, as plain data."""
    try:
        reference = _trusted_module(pool.backend.reference_module(exercise.id))
        kwargs = copy.deepcopy(inputs)
        if check.target.startswith("harness."):
            if pool.backend.harness is None:
                raise GraderError("the backend has no harness")
            scenario = getattr(_trusted_module(pool.backend.harness), check.target.removeprefix("harness."))
            raw = scenario(reference, **kwargs)
        else:
            raw = getattr(reference, check.target)(**kwargs)
        return values.decode(values.encode(verdicts.settle(check.target, inputs, raw)))
    except GraderError:
        raise
    except Exception as exc:
        why = f"{type(exc).__name__}: {exc}"
        raise GraderError(f"reference value of {exercise.id}.{check.name}: {why}") from exc


def _run_case(
    pool: Pool, sub: Submission, exercise: Exercise, check: Check, case: Any, run: int
) -> tuple[dict[str, Any], Any]:
    """Fresh inputs and their trusted expected value for timed run ``run``: the seed mixes the secret,
    the student, the check's seed and the run index, so the runs differ and, without the secret, cannot
    be predicted."""
    secret = getattr(pool.backend.module, "secret", lambda: "")()
    parts = (secret, sub.id, exercise.id, check.name, str(getattr(case, "seed", 0)), str(run))
    seed = int.from_bytes(hashlib.sha256("\x1f".join(["timed", *parts]).encode()).digest()[:8], "big")
    inputs = dict(check.inputs(np.random.default_rng(seed)))
    if "_expected" in inputs:
        return inputs, inputs.pop("_expected")
    return inputs, _trusted_value(pool, exercise, check, inputs)


def _timed(
    pool: Pool, sub: Submission, box: Sandbox, exercise: Exercise, check: Check, case: Any, timeout: float
) -> tuple[Outcome, str, float]:
    """Race the student against the reference (module docstring); ``(outcome, detail, wall seconds)``."""
    judge, opts = pool.backend.judge, pool.options
    kwargs = _inputs(case)
    budget = _reply_budget(check.target, kwargs, case.expected)
    warm = _call(box, exercise.id, check.target, kwargs, timeout, max_elements=budget)
    total = warm.duration_s
    if not warm.ok:
        return warm.outcome, warm.error, total
    got, bad = _settled(check.target, kwargs, warm)
    outcome, detail = (Outcome.INVALID, bad) if bad else judge(check, case.expected, got)
    if outcome is not Outcome.PASSED:
        return outcome, detail, total
    ref = pool.reference(exercise.id)
    warmed = getattr(pool, "warmed", set())  # (reference child's pid, target): compiled already
    if (getattr(ref, "pid", None), check.target) not in warmed:
        ref_warm = _call(ref, exercise.id, check.target, kwargs, timeout, max_elements=budget)
        if not ref_warm.ok:
            raise GraderError(
                f"reference for {exercise.id}.{check.name} failed: {ref_warm.status} {ref_warm.error}"
            )
        if getattr(ref, "pid", None) is not None:
            warmed.add((ref.pid, check.target))
    student: list[tuple[float | None, float]] = []
    reference: list[tuple[float | None, float]] = []
    factor, rounds, ratio = opts.timing_factor, 0, 0.0
    while True:
        rounds += 1
        for _ in range(max(1, opts.timing_repeats)):
            run = len(student)
            if rounds == 1 and 0 < opts.timing_early <= run and _far(student, reference, factor, opts):
                break
            inputs, expected = _run_case(pool, sub, exercise, check, case, run)
            budget = _reply_budget(check.target, inputs, expected)
            order = ("student", "reference") if run % 2 == 0 else ("reference", "student")
            for side in order:
                reply = _call(box if side == "student" else ref, exercise.id, check.target, inputs, timeout,
                              max_elements=budget, timed=True)
                total += reply.duration_s
                if side == "reference" and not reply.ok:
                    raise GraderError(
                        f"reference for {exercise.id}.{check.name} failed: {reply.status} {reply.error}"
                    )
                if not reply.ok:
                    return reply.outcome, f"timed run {run + 1}: {reply.error}", total
                got, bad = _settled(check.target, inputs, reply)
                outcome, detail = (Outcome.INVALID, bad) if bad else judge(check, expected, got)
                if side == "reference" and outcome is not Outcome.PASSED:
                    raise GraderError(f"reference for {exercise.id}.{check.name} disagrees with the "
                                      f"parent's value on timed run {run + 1}: {detail}")
                if outcome is not Outcome.PASSED:
                    return outcome, f"timed run {run + 1} (fresh inputs): {detail}", total
                (student if side == "student" else reference).append(_sample(reply))
        every = student + reference
        best_student, best_reference = _best(student, every), _best(reference, every)
        ratio = best_student / max(best_reference, 1e-9)
        too_close = factor / opts.timing_noise <= ratio <= factor * opts.timing_noise
        if rounds >= opts.timing_rounds or not too_close:
            break
    clock = "CPU" if all(c is not None for c, _ in every) else "wall"
    detail = (
        f"{best_student:.3f} s vs reference {best_reference:.3f} s ({clock} time, best of {len(student)} "
        f"runs in {rounds} round{'s' if rounds > 1 else ''}): {ratio:.2f}x (at most {factor:g}x to pass)"
    )
    return (Outcome.PASSED if ratio <= factor else Outcome.FAILED), detail, total


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
            outcome, detail, duration = _timed(pool, sub, box, exercise, check, case, timeout)
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

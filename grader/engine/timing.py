"""The speed race of a timing check, decided from data the parent produced (``timed``).

Timing checks (``check.timing``) race the same scenario in the submission's child and in a child of the same
kind serving the reference module. A warm-up call on the check's inputs (compilation) must give the correct
value; the reference child, which serves every submission of the process, is warmed up once per child and
target (``Pool.warmed``, keyed by its pid: a restarted child is warmed up again). Then every timed run gets
fresh inputs, drawn from a seed derived from the secret, the check's seed and the run's index, and its reply
is judged against the value the parent computes for those inputs with the trusted reference module (so a
result computed once cannot be replayed). The student is not in that seed: every submission of a run races
on the same ``k``-th inputs, so the parent computes each expected value once per process, not once per
student (``_run_case``). Student and reference calls are interleaved (order alternating) ``TIMING_REPEATS``
times per round and timed by the child's CPU time as the parent measures it (``Reply.cpu_s``; wall time
where the sandbox cannot measure it); the check passes when ``min(student) <= TIMING_FACTOR *
min(reference)``. A ratio within a factor ``TIMING_NOISE`` of the threshold is too close to call under load:
another round is run, up to ``TIMING_ROUNDS`` rounds, minima over all runs. The first round ends early when
the ratio after ``TIMING_EARLY`` interleaved pairs is already outside that band (below 1.6x or above 2.5x for
a 2x threshold); a ratio inside it completes the round and earns the extra rounds as above, so only a clear
verdict is reached on fewer runs. Numbers the child might report are never used.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader import values, verdicts
from grader.engine.grading import GraderError, Options, Pool, _call, _inputs, _reply_budget, _settled
from grader.model import Check, Exercise, Outcome
from grader.sandbox import Reply, Sandbox


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
    pool: Pool, exercise: Exercise, check: Check, case: Any, run: int
) -> tuple[dict[str, Any], Any]:
    """Fresh inputs and their trusted expected value for timed run ``run``: the seed mixes the secret,
    the check's seed and the run index, so the runs differ and, without the secret, cannot be predicted.
    The student is not in the seed: every submission of a grading run races on the same ``run``-th
    inputs, so the parent computes each expected value once per process (``Pool.timed_cases``) instead
    of once per student. No child sees another's inputs, and a child that replays one run's answer for
    the next still fails (the next run's inputs differ)."""
    secret = getattr(pool.backend.module, "secret", lambda: "")()
    parts = (secret, exercise.id, check.name, str(getattr(case, "seed", 0)), str(run))
    if parts not in pool.timed_cases:
        seed = int.from_bytes(hashlib.sha256("\x1f".join(["timed", *parts]).encode()).digest()[:8], "big")
        inputs = dict(check.inputs(np.random.default_rng(seed)))
        expected = inputs.pop("_expected") if "_expected" in inputs else _trusted_value(pool, exercise, check,
                                                                                      inputs)
        pool.timed_cases[parts] = (inputs, expected)
    inputs, expected = pool.timed_cases[parts]
    return copy.deepcopy(inputs), expected


def timed(
    pool: Pool, box: Sandbox, exercise: Exercise, check: Check, case: Any, timeout: float
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
            inputs, expected = _run_case(pool, exercise, check, case, run)
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

"""Timing checks decide from data the parent produced: fresh inputs for every timed run judged against the
parent's own value (a replayed warm-up result fails), the child's CPU time as the parent measures it,
student and reference interleaved, and extra rounds when the ratio is too close to the threshold."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from grader.engine import grading, timing
from grader.engine.backend import load_backend
from grader.engine.grading import Options, Pool, grade_detailed
from grader.intake import Submission
from grader.model import Outcome

HERE = Path(__file__).resolve().parent
FRESH = str(HERE / "standin_fresh_timing.py")

HONEST = "import numpy as np\n\ndef total(n):\n    return float(np.arange(n, dtype=np.float64).sum())\n"
REPLAY = """
import numpy as np

_first = []


def total(n):
    if not _first:
        _first.append(float(np.arange(n, dtype=np.float64).sum()))
    return _first[0]
"""


def _sub(root: Path, name: str, code: str) -> Submission:
    (root / name).mkdir(parents=True)
    (root / name / "ex03_speed.py").write_text(code)
    return Submission(name, root / name, "folder")


def _grade(sub: Submission, **options: Any):
    backend = load_backend(FRESH)
    pool = Pool(backend, Options(**options))
    try:
        ex = backend.exercises[0]
        return grade_detailed(pool, sub, ex, ex.checks[0]).result
    finally:
        pool.close()


def test_a_replayed_warm_up_result_fails_the_timed_check(tmp_path):
    result = _grade(_sub(tmp_path, "replay", REPLAY))
    assert result.outcome is Outcome.FAILED and result.points == 0.0
    assert "timed run 1 (fresh inputs)" in result.reason


def test_an_honest_fast_submission_passes_on_fresh_inputs(tmp_path):
    result = _grade(_sub(tmp_path, "honest", HONEST), timing_factor=20.0)
    assert result.outcome is Outcome.PASSED, result.reason


# ----------------------------------------------------------------- the race itself, with stand-in children


@dataclass(frozen=True)
class FakeReply:
    status: str
    value: Any = None
    error: str = ""
    duration_s: float = 0.0
    cpu_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def outcome(self) -> Outcome | None:
        return None if self.ok else Outcome(self.status)


class FakeBox:
    """Answers ``harness.total`` correctly; its CPU time is ``cpu`` seconds, its wall time ``wall``."""

    def __init__(self, cpu: float, wall: float = 0.01) -> None:
        self.cpu, self.wall, self.calls = cpu, wall, []

    def call(self, module: str, target: str, kwargs: dict, timeout_s: float, *,
             max_elements: int | None = None, timed: bool = False) -> FakeReply:
        self.calls.append((dict(kwargs), max_elements, timed))
        n = kwargs["n"]
        cpu = self.cpu if timed else None
        return FakeReply("ok", float(n * (n - 1) / 2), duration_s=self.wall, cpu_s=cpu)


def _race(student: FakeBox, reference: FakeBox, warmed: set | None = None, cases: dict | None = None,
          **options: Any) -> tuple[Outcome, str, float]:
    backend = load_backend(FRESH)
    pool = SimpleNamespace(backend=backend, options=Options(**options), reference=lambda ex_id: reference,
                           warmed=set() if warmed is None else warmed,
                           timed_cases={} if cases is None else cases)
    ex = backend.exercises[0]
    case = backend.make_case(ex, ex.checks[0], "s1")
    return timing.timed(pool, student, ex, ex.checks[0], case, 5.0)


def test_each_timed_run_has_fresh_inputs_interleaved_and_timed_by_cpu():
    student, reference = FakeBox(cpu=0.10, wall=5.0), FakeBox(cpu=0.07, wall=0.01)
    outcome, detail, _ = _race(student, reference, timing_early=0)
    assert outcome is Outcome.PASSED  # 1.43x in CPU time; the wall times (500x) are not used
    assert "CPU time, best of 5 runs in 1 round" in detail and "1.43x" in detail
    timed = [kw["n"] for kw, _, is_timed in student.calls if is_timed]
    assert len(timed) == 5 and len(set(timed)) == 5
    assert timed == [kw["n"] for kw, _, is_timed in reference.calls if is_timed]
    warm_n = student.calls[0][0]["n"]
    assert not student.calls[0][2] and warm_n not in timed
    assert all(budget is not None and budget >= grading.REPLY_MIN_ELEMENTS for _, budget, _ in student.calls)


def test_a_ratio_near_the_threshold_earns_more_rounds_and_is_recorded():
    outcome, detail, _ = _race(FakeBox(cpu=0.21), FakeBox(cpu=0.10))
    assert outcome is Outcome.FAILED
    assert "best of 15 runs in 3 rounds" in detail and "2.10x" in detail and "at most 2x" in detail
    outcome, detail, _ = _race(FakeBox(cpu=0.30), FakeBox(cpu=0.10))
    assert outcome is Outcome.FAILED and "in 1 round" in detail


def test_a_ratio_far_from_the_threshold_is_decided_after_two_pairs():
    student, reference = FakeBox(cpu=0.10), FakeBox(cpu=0.07)  # 1.43x < 2 / 1.25 = 1.6x
    outcome, detail, _ = _race(student, reference)
    assert outcome is Outcome.PASSED and "best of 2 runs in 1 round" in detail and "1.43x" in detail
    assert sum(timed for _, _, timed in student.calls) == 2 == sum(timed for _, _, timed in reference.calls)
    outcome, detail, _ = _race(FakeBox(cpu=0.26), FakeBox(cpu=0.10))  # 2.6x > 2 * 1.25 = 2.5x
    assert outcome is Outcome.FAILED and "best of 2 runs in 1 round" in detail and "2.60x" in detail
    outcome, detail, _ = _race(FakeBox(cpu=0.17), FakeBox(cpu=0.10))  # 1.7x: near, the full 3 rounds
    assert outcome is Outcome.PASSED and "best of 15 runs in 3 rounds" in detail


def test_the_reference_child_is_warmed_up_once_per_child_and_target():
    reference, warmed = FakeBox(cpu=0.10), set()
    reference.pid = 4242
    for _ in range(3):  # three students raced against the same reference child
        outcome, _, _ = _race(FakeBox(cpu=0.10), reference, warmed)
        assert outcome is Outcome.PASSED
    untimed = [kw for kw, _, timed in reference.calls if not timed]
    assert len(untimed) == 1 and warmed == {(4242, "harness.total")}
    reference.pid = 4343  # a restarted child: compiled nothing yet
    _race(FakeBox(cpu=0.10), reference, warmed)
    assert sum(not timed for _, _, timed in reference.calls) == 2


def test_the_parent_computes_each_timed_runs_expected_value_once_for_all_students(monkeypatch):
    computed = []
    real = timing._trusted_value
    monkeypatch.setattr(timing, "_trusted_value", lambda *a: computed.append(a[3]["n"]) or real(*a))
    cases: dict = {}
    boxes = [FakeBox(cpu=0.10) for _ in range(3)]
    for box in boxes:  # three students of one grading process (the race takes no student: no seed has one)
        outcome, _, _ = _race(box, FakeBox(cpu=0.10), cases=cases, timing_early=0)
        assert outcome is Outcome.PASSED
    runs = [[kw["n"] for kw, _, timed in box.calls if timed] for box in boxes]
    assert runs[0] == runs[1] == runs[2] and len(set(runs[0])) == 5  # the k-th inputs: one per run index
    assert sorted(computed) == sorted(runs[0])  # each expected value computed once, not once per student


def test_without_a_cpu_measure_the_parent_wall_time_is_used():
    class WallOnly(FakeBox):
        def call(self, *args, **kwargs):
            return replace(super().call(*args, **kwargs), cpu_s=None)

    outcome, detail, _ = _race(WallOnly(cpu=0.0, wall=0.05), WallOnly(cpu=0.0, wall=0.01))
    assert outcome is Outcome.FAILED and "wall time" in detail and "5.00x" in detail


def test_a_reference_disagreeing_with_the_parent_is_a_grader_error():
    class Tampered(FakeBox):
        def call(self, *args, **kwargs):
            reply = super().call(*args, **kwargs)
            return replace(reply, value=0.0) if kwargs.get("timed") else reply

    with pytest.raises(grading.GraderError, match="disagrees"):
        _race(FakeBox(cpu=0.1), Tampered(cpu=0.1))

"""ex16's speed check through the real engine (sandbox children, reference child, parent-computed values):
the bundled honest step passes, and the two slow ways students write a correct step fail. Ratios measured
on this 2-core machine (``benchmarks/speed_check_under_load.py``): honest about 1.6x the reference's CPU
time, NumPy about 6.6x, bias corrections inside the loop about 3.7x, threshold 2x."""

from __future__ import annotations

import re
import shutil

import pytest

from benchmarks.speed_check_under_load import CHECK, EXERCISE, HONEST, SLOW
from grader.engine.backend import load_backend
from grader.engine.grading import Options, Pool, grade_detailed
from grader.intake import Submission
from grader.model import Outcome
from grader.sandbox import bwrap


@pytest.fixture(scope="module")
def race(tmp_path_factory):
    backend = load_backend(None)
    exercise = backend.by_id(EXERCISE)
    check = next(c for c in exercise.checks if c.name == CHECK)
    launcher, _ = bwrap.resolve("auto")
    pool = Pool(backend, Options(launcher=launcher))
    root = tmp_path_factory.mktemp("speed")

    def grade(name: str, code: str | None):
        (root / name).mkdir()
        target = root / name / f"{EXERCISE}.py"
        if code is None:
            shutil.copyfile(HONEST, target)
        else:
            target.write_text(code, encoding="utf-8")
        graded = grade_detailed(pool, Submission(name, root / name, "folder"), exercise, check)
        pool.release(name)
        return graded

    yield grade
    pool.close()


def _ratio(timing: str) -> float:
    found = re.search(r"([0-9.]+)x \(at most 2x", timing)
    assert found, timing
    return float(found.group(1))


def test_the_honest_fused_step_gets_the_speed_points(race):
    graded = race("honest", None)
    assert graded.result.outcome is Outcome.PASSED, graded.result.reason
    assert _ratio(graded.timing) <= 2.0


@pytest.mark.parametrize("name", sorted(SLOW))
def test_a_correct_but_slow_step_loses_the_speed_points(race, name):
    graded = race(name, SLOW[name])
    assert graded.result.outcome is Outcome.FAILED, graded.result.reason
    assert graded.result.points == 0.0 and _ratio(graded.timing) > 2.0

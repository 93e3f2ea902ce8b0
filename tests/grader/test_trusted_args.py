"""Flags about the student's arguments are decided by the parent (``grader.verdicts``): a submission that
patches ``np.array_equal`` and modifies its arguments loses the "unchanged" points, and a reply whose
trace was tampered with is ``invalid``, never a grader error."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader import harness, verdicts
from grader.engine.backend import load_backend
from grader.engine.grading import Options, Pool, grade_detailed
from grader.expected import call_target, make_case
from grader.intake import Submission
from grader.model import Outcome

REPO = Path(__file__).resolve().parents[2]
PERFECT = REPO / "examples" / "submissions" / "perfect"
OPTIMIZERS, GRADCHECK = "ex11_optimizers", "ex09_gradient_check"

FORGER_HEADER = """
import numpy as np
import numpy.testing

np.array_equal = lambda *a, **k: True
np.array_equiv = lambda *a, **k: True
np.testing.assert_array_equal = lambda *a, **k: None
"""

# Correct values, but every step also writes its result into the caller's arrays.
OPTIMIZER_FORGER = FORGER_HEADER + """
from _honest import adam_step as _adam, momentum_step as _momentum, sgd_step as _sgd
from _honest import nesterov_lookahead, nesterov_step, adagrad_step, rmsprop_step  # noqa: F401


def sgd_step(w, dw, lr):
    new = _sgd(w, dw, lr)
    w[...] = new
    return new


def momentum_step(w, dw, v, lr, beta):
    new_w, new_v = _momentum(w, dw, v, lr, beta)
    w[...], v[...] = new_w, new_v
    return new_w, new_v


def adam_step(w, dw, m, v, t, lr, beta1, beta2, eps):
    new_w, new_m, new_v = _adam(w, dw, m, v, t, lr, beta1, beta2, eps)
    dw[...] = 0.0
    return new_w, new_m, new_v
"""

# Perturbs x in place and never quite puts it back (one ulp off in every component).
GRADCHECK_FORGER = FORGER_HEADER + """
from _honest import relative_error  # noqa: F401


def numerical_gradient(f, x, h):
    grad = np.zeros_like(x)
    for i in range(x.size):
        keep = x[i]
        x[i] = keep + h
        up = f(x)
        x[i] = keep - h
        down = f(x)
        x[i] = np.nextafter(keep, np.inf)
        grad[i] = (up - down) / (2 * h)
    return grad
"""

# Reaches into the harness's frame and adds an entry to its trace.
TRACE_TAMPERER = """
import sys

from _honest import *  # noqa: F401,F403
from _honest import adam_step as _adam


def adam_step(w, dw, m, v, t, lr, beta1, beta2, eps):
    frame, calls = sys._getframe(1), None
    while frame is not None and calls is None:
        calls, frame = frame.f_locals.get("calls"), frame.f_back
    if calls is not None and t == 1:
        calls.append({"args": "all fine", "out": []})
    return _adam(w, dw, m, v, t, lr, beta1, beta2, eps)
"""


def _submission(root: Path, name: str, exercise: str, code: str) -> Submission:
    folder = root / name
    folder.mkdir(parents=True)
    shutil.copyfile(PERFECT / f"{exercise}.py", folder / "_honest.py")
    (folder / f"{exercise}.py").write_text(textwrap.dedent(code))
    return Submission(name, folder, "folder")


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    pool = Pool(load_backend(None), Options(timeout_s=30.0))
    yield pool
    pool.close()


def _grade(pool: Pool, sub: Submission, exercise_id: str) -> dict[str, tuple[Outcome, str]]:
    ex = pool.backend.by_id(exercise_id)
    out = {}
    for check in ex.checks:
        if check.target.startswith("harness."):
            r = grade_detailed(pool, sub, ex, check).result
            out[check.name] = (r.outcome, r.reason)
    return out


def test_honest_submissions_keep_their_unchanged_points(pool, tmp_path):
    for exercise in (OPTIMIZERS, GRADCHECK):
        sub = Submission(f"honest-{exercise}", PERFECT, "folder")
        results = _grade(pool, sub, exercise)
        assert results and all(o is Outcome.PASSED for o, _ in results.values()), results


def test_patched_array_equal_does_not_hide_modified_arguments(pool, tmp_path):
    sub = _submission(tmp_path, "forger", OPTIMIZERS, OPTIMIZER_FORGER)
    results = _grade(pool, sub, OPTIMIZERS)
    for name in ("adam_run_20_steps", "hidden_sgd_run", "hidden_momentum_run", "hidden_adam_run"):
        outcome, reason = results[name]
        assert outcome is Outcome.FAILED and "inputs_unchanged" in reason, (name, results[name])
    for name in ("hidden_nesterov_run", "hidden_adagrad_run", "hidden_rmsprop_run"):
        assert results[name][0] is Outcome.PASSED, (name, results[name])  # the honest functions


def test_patched_array_equal_does_not_hide_an_unrestored_x(pool, tmp_path):
    sub = _submission(tmp_path, "gradforger", GRADCHECK, GRADCHECK_FORGER)
    results = _grade(pool, sub, GRADCHECK)
    assert results and all(
        o is Outcome.FAILED and "x_unchanged" in why for o, why in results.values()
    ), results


def test_a_tampered_trace_is_invalid_not_a_grader_error(pool, tmp_path):
    sub = _submission(tmp_path, "tamperer", OPTIMIZERS, TRACE_TAMPERER)
    outcome, reason = _grade(pool, sub, OPTIMIZERS)["adam_run_20_steps"]
    assert outcome is Outcome.INVALID and "trace of 20 calls" in reason


@pytest.mark.parametrize(
    "raw",
    [
        None, {"calls": "x"}, {"calls": [{}] * 20}, {"calls": [{"args": [1, 2, 3, 4], "out": []}] * 20},
        {"calls": [{"args": [np.zeros(5)] * 4, "out": [np.zeros(4)] * 3}] * 20},
        {"calls": [{"args": [np.zeros(5, dtype=np.int64)] * 4, "out": [np.zeros(5)] * 3}] * 20},
    ],
)
def test_malformed_optimizer_traces_are_bad_traces(raw):
    ex = load_backend(None).by_id(OPTIMIZERS)
    check = next(c for c in ex.checks if c.name == "adam_run_20_steps")
    case = make_case(ex, check, student_id="s", secret="x")
    with pytest.raises(verdicts.BadTrace):
        verdicts.settle(check.target, case.inputs, raw)


def test_parent_verdict_matches_the_harness_on_trusted_code():
    import solutions.ex09_gradient_check as ex09
    import solutions.ex11_optimizers as ex11

    rng = np.random.default_rng(3)
    for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        hp = {"sgd": {"lr": 0.1}, "momentum": {"lr": 0.1, "beta": 0.9}, "nesterov": {"lr": 0.1, "beta": 0.9},
              "adagrad": {"lr": 0.1, "eps": 1e-8}, "rmsprop": {"lr": 0.01, "beta": 0.9, "eps": 1e-8},
              "adam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}}[name]
        inputs = {"name": name, "w0": rng.standard_normal(4), "scales": rng.uniform(0.5, 3.0, 4),
                  "center": rng.standard_normal(4), "steps": 6, "hp": hp}
        settled = call_target(ex11, "harness.run_optimizer", inputs)
        assert settled["inputs_unchanged"] is True and settled["w"].shape == (4,)
        raw = harness.run_optimizer(ex11, **inputs)
        assert len(raw["calls"]) == (12 if name == "nesterov" else 6)
    inputs = {"x": rng.standard_normal(3), "A": rng.standard_normal((2, 3)), "h": 1e-5}
    assert call_target(ex09, "harness.numerical_gradient_of_test_function", inputs)["x_unchanged"] is True

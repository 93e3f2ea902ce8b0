"""The inputs of exercises 17-19 test what their statements promise, checked against independent facts:

* ex17: on ``a (w - 3)^2`` a step multiplies the distance to 3 by ``r = 1 - 2 a lr`` (closed form, not the
  solution's loop), so the hidden learning rates fall in each regime (``0 < r < 1`` converging,
  ``-1 < r < 0`` oscillating, ``r < -1`` diverging) for every draw; the stopping runs end once on the
  tolerance at the last allowed step and once on the cap;
* ex18: the validation curves hold a tie with the best loss during the wait and a lower minimum after the
  stop; the regression set-up over-fits (its validation loss turns up) and early stopping stops it before
  ``max_epochs``;
* ex19: on every vetted set-up, training with dropout leaves at most 80 % of the gap of training without
  (the check asks for 90 %), and a step that ignores its masks keeps the whole gap and fails.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

from grader import harness
from grader.checks import ex19_dropout_training as c19
from grader.model import EXPECTED_KEY
from grader.registry import by_id
from solutions import ex17_learning_rate as s17
from solutions import ex18_early_stopping as s18
from solutions import ex19_dropout_training as s19

DRAWS = range(200)


def _check(exercise: str, name: str):
    return next(c for c in by_id(exercise).checks if c.name == name)


def _regime(r: float) -> str:
    return "converging" if 0.0 <= r < 1.0 else "oscillating" if -1.0 < r < 0.0 else "diverging"


def test_hidden_learning_rates_cover_the_three_regimes_in_every_draw() -> None:
    check = _check("ex17_learning_rate", "hidden_regimes_random_rates")
    for seed in DRAWS:
        inputs = check.inputs(np.random.default_rng(seed))
        ratios = [1.0 - 2.0 * inputs["a"] * lr for lr in inputs["lrs"]]
        assert sorted(_regime(r) for r in ratios) == sorted(["converging", "oscillating", "diverging"] * 2)
        assert min(abs(r) for r in ratios) > 0.05 and min(abs(abs(r) - 1.0) for r in ratios) > 0.05
        assert abs(inputs["w0"] - 3.0) >= 1.0
    assert s17.classify_learning_rate(1.0, 1.0, 0.0, 5) == "oscillating"  # r = -1: the distance stays


def test_the_regimes_of_the_public_check_are_the_closed_form_ones() -> None:
    inputs = _check("ex17_learning_rate", "regimes_of_fixed_rates").inputs(np.random.default_rng(0))
    expected = [_regime(1.0 - 2.0 * inputs["a"] * lr) for lr in inputs["lrs"]]
    assert expected == ["converging"] * 2 + ["oscillating"] * 2 + ["diverging"] * 2
    assert harness.learning_rate_regimes(s17, **inputs) == expected


def test_stopping_runs_end_on_the_tolerance_at_the_last_step_and_on_the_cap() -> None:
    for name in ("stopping_reasons", "hidden_stopping_reasons_random"):
        check = _check("ex17_learning_rate", name)
        for seed in range(50):
            runs = check.inputs(np.random.default_rng(seed))["runs"]
            by_cap = sorted(runs, key=lambda run: run["max_iter"])
            got = [s17.descent_with_stopping(**run) for run in by_cap]
            assert [reason for _, reason in got] == ["max_iter", "tolerance", "tolerance"]
            path, _ = got[1]  # the tolerance met on the last allowed step, not before
            assert len(path) - 1 == by_cap[1]["max_iter"]
            steps = np.abs(np.diff(path))
            assert steps[-1] < by_cap[1]["tol"] <= steps[:-1].min()


def test_validation_curves_hold_a_tie_and_a_lower_minimum_after_the_stop() -> None:
    check = _check("ex18_early_stopping", "hidden_patience_random")
    for seed in DRAWS:
        inputs = check.inputs(np.random.default_rng(seed))
        losses, patience = inputs["val_losses"], inputs["patience"]
        best, stop = s18.early_stopping_epoch(losses, patience)
        assert stop == best + patience and losses[best] == losses[: stop + 1].min()
        assert np.sum(losses[best + 1 : stop + 1] == losses[best]) == 1  # the tie, no improvement
        assert losses[stop + 1 :].min() < losses[best]  # a minimum early stopping must not see
        assert s18.early_stopping_epoch(losses, patience + 1)[1] != stop


def test_the_regression_over_fits_and_early_stopping_stops_it() -> None:
    check = _check("ex18_early_stopping", "hidden_training_random")
    for seed in range(20):
        inputs = check.inputs(np.random.default_rng(seed))
        train, val, best, w = s18.train_with_early_stopping(**inputs)
        assert len(val) < inputs["max_epochs"]  # stopped early
        assert val[best] == val.min() and val[-1] > val[best]  # the validation curve turned up
        assert np.all(np.diff(train) <= 1e-12)  # lr = 1 / L: the training loss never rises
        assert w.shape == (inputs["X_train"].shape[1],)


@pytest.mark.slow
@pytest.mark.parametrize("setup", c19.GAP_SETUPS)
def test_dropout_shrinks_the_gap_on_every_vetted_setup(setup: int) -> None:
    inputs = c19._gap_inputs(setup)
    data = inputs.pop(EXPECTED_KEY)
    runs = harness.dropout_training_runs(s19, **inputs)
    plain, dropout = c19.train_val_gap(runs["plain"], data), c19.train_val_gap(runs["dropout"], data)
    assert plain > 0.05 and dropout <= 0.8 * plain
    assert c19.GAP_SHRINKS.predicate(runs, data)[0]


def test_a_step_that_ignores_its_masks_keeps_the_whole_gap() -> None:
    inputs = c19._gap_inputs(c19.GAP_SETUPS[0])
    data = inputs.pop(EXPECTED_KEY)

    def no_dropout(X, Y, Ws, bs, masks, p, lr):
        return s19.train_step_dropout(X, Y, Ws, bs, [np.ones_like(m) for m in masks], 1.0, lr)

    runs = harness.dropout_training_runs(types.SimpleNamespace(train_step_dropout=no_dropout), **inputs)
    ok, detail = c19.GAP_SHRINKS.predicate(runs, data)
    assert not ok and "more than 90%" in detail
    with pytest.raises(ValueError, match="shape"):
        c19.train_val_gap([[*runs["plain"][0][:1], np.zeros((2, 2))], runs["plain"][1]], data)


def test_dropout_values_agree_with_finite_differences() -> None:
    """The step's update is ``-lr`` times the gradient of the cost with the masks fixed (central
    differences of ``forward_train``'s cost), an independent check of the expected values."""
    inputs = c19._step_inputs(np.random.default_rng(3), 0.7)
    new_Ws, new_bs, J = s19.train_step_dropout(**inputs)

    def cost(Ws, bs) -> float:
        d = s19.forward_train(inputs["X"], Ws, bs, inputs["masks"], inputs["p"]) - inputs["Y"]
        return 0.5 * float(np.sum(d * d)) / d.shape[0]

    assert J == pytest.approx(cost(inputs["Ws"], inputs["bs"]), rel=1e-14)
    h = 1e-6
    for layer, W in enumerate(inputs["Ws"]):
        for i, j in [(0, 0), (W.shape[0] - 1, W.shape[1] - 1)]:
            plus = [w.copy() for w in inputs["Ws"]]
            minus = [w.copy() for w in inputs["Ws"]]
            plus[layer][i, j] += h
            minus[layer][i, j] -= h
            grad = (cost(plus, inputs["bs"]) - cost(minus, inputs["bs"])) / (2 * h)
            step = (inputs["Ws"][layer][i, j] - new_Ws[layer][i, j]) / inputs["lr"]
            assert step == pytest.approx(grad, rel=1e-6, abs=1e-9)
    for layer, b in enumerate(inputs["bs"]):
        plus = [v.copy() for v in inputs["bs"]]
        minus = [v.copy() for v in inputs["bs"]]
        plus[layer][0] += h
        minus[layer][0] -= h
        grad = (cost(inputs["Ws"], plus) - cost(inputs["Ws"], minus)) / (2 * h)
        assert (b[0] - new_bs[layer][0]) / inputs["lr"] == pytest.approx(grad, rel=1e-6, abs=1e-9)
    eval_out = s19.forward_eval(inputs["X"], inputs["Ws"], inputs["bs"])
    all_kept = [np.ones_like(m) for m in inputs["masks"]]
    kept = s19.forward_train(inputs["X"], inputs["Ws"], inputs["bs"], all_kept, 1.0)
    np.testing.assert_allclose(eval_out, kept, rtol=1e-15)

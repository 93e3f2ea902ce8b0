"""Exercises 20-22 against independent oracles: the expected improvement against SciPy's normal law, the
given Gaussian process against scikit-learn's ``GaussianProcessRegressor`` (same kernel, fixed), random
search's exact mean against an enumeration of every order, log-uniform draws spread evenly over the
decades; and the thresholds of the graded comparisons hold for the master solutions for 200 student ids
(slow)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from grader.checks import ex20_bayesian_optimisation as bo_checks
from grader.checks import ex21_random_search as rs_checks
from grader.compare import judge
from grader.expected import call_target, make_case, plain, solution_module
from grader.model import Outcome
from grader.registry import by_id


def test_expected_improvement_matches_scipy_normal_law() -> None:
    from scipy.stats import norm

    from solutions.ex20_bayesian_optimisation import expected_improvement

    rng = np.random.default_rng(3)
    mu, sigma = rng.normal(0.0, 2.0, 50), rng.uniform(0.01, 3.0, 50)
    best, xi = 0.3, 0.05
    gain = best - mu - xi
    oracle = gain * norm.cdf(gain / sigma) + sigma * norm.pdf(gain / sigma)
    np.testing.assert_allclose(expected_improvement(mu, sigma, best, xi), oracle, rtol=1e-12, atol=1e-15)
    zero = expected_improvement(np.array([0.0, 1.0]), np.zeros(2), 0.5, 0.1)
    assert zero.tolist() == [0.4, 0.0]  # max(best - mu - xi, 0) where sigma = 0


@pytest.mark.parametrize("dim", [1, 2])
def test_given_gaussian_process_matches_scikit_learn(dim: int) -> None:
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF

    from solutions.ex20_bayesian_optimisation import gp_posterior

    rng = np.random.default_rng(dim)
    X, Q = rng.uniform(0.0, 1.0, (8, dim)), rng.uniform(0.0, 1.0, (30, dim))
    y = np.sin(6.0 * X.sum(axis=1)) * 3.0 + 1.0
    gp = GaussianProcessRegressor(RBF(0.2, length_scale_bounds="fixed"), alpha=1e-6, normalize_y=True,
                                  optimizer=None).fit(X, y)
    mu_ref, std_ref = gp.predict(Q, return_std=True)
    mu, std = gp_posterior(X, y, Q, 0.2)
    np.testing.assert_allclose(mu, mu_ref, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(std, std_ref, rtol=1e-5, atol=1e-7)


def test_random_search_mean_is_the_mean_over_every_order() -> None:
    """``E[min(T, budget + 1)]`` by enumerating the 720 orders of 6 candidates, 2 of them good."""
    good = {0, 1}
    for budget in (1, 3, 6):
        firsts = [next((i for i, c in enumerate(order, 1) if c in good and i <= budget), budget + 1)
                  for order in itertools.permutations(range(6))]
        assert bo_checks.random_search_mean(6, 2, budget) == pytest.approx(np.mean(firsts), rel=1e-12)


def test_bayesian_optimisation_needs_about_half_the_evaluations_of_random_search() -> None:
    from grader import harness

    module = solution_module("ex20_bayesian_optimisation")
    for name in ("beats_random_search_1d", "beats_random_search_2d"):
        check = next(c for c in by_id("ex20_bayesian_optimisation").checks if c.name == name)
        inputs = dict(check.inputs(np.random.default_rng(0)))
        judged = inputs.pop("_expected")
        runs = harness.bayesian_optimisation_runs(module, **inputs)
        ok, detail = check.compare.predicate(runs, judged)
        assert ok and float(detail.split()[0]) < 0.7 * judged["random_mean"], detail
        # a search that evaluates the candidates in a random order is refused
        rng = np.random.default_rng(1)
        shuffled = [judged["candidates"][rng.permutation(len(judged["candidates"]))[: judged["budget"]]]
                    for _ in runs]
        assert not check.compare.predicate(shuffled, judged)[0]


def test_log_uniform_draws_spread_evenly_over_the_decades() -> None:
    from solutions.ex21_random_search import sample_configurations

    configs = sample_configurations({"lr": ["log_uniform", 1e-4, 1.0]}, 20_000, 0)
    decades = np.floor(np.log10([c["lr"] for c in configs])).astype(int)
    shares = np.bincount(decades + 4, minlength=4) / len(configs)
    np.testing.assert_allclose(shares, 0.25, atol=0.015)  # 4 standard deviations of a share


def test_random_search_tries_more_learning_rates_than_the_grid() -> None:
    module = solution_module("ex21_random_search")
    inputs = dict(rs_checks.distinct_inputs(randomised=False)(np.random.default_rng(0)))
    judged = inputs.pop("_expected")
    got = call_target(module, "harness.grid_and_random_values", inputs)
    assert len(set(got["grid"])) == 3 and len(set(got["random"])) == judged["budget"] == 81
    ok, _ = rs_checks.MORE_DISTINCT.predicate(got, judged)
    assert ok
    assert not rs_checks.MORE_DISTINCT.predicate({"grid": got["grid"], "random": got["grid"]}, judged)[0]


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", ["ex20_bayesian_optimisation", "ex21_random_search",
                                         "ex22_transfer_kinds"])
def test_the_solution_passes_every_hidden_check_for_200_students(exercise_id: str) -> None:
    exercise = by_id(exercise_id)
    module = solution_module(exercise_id)
    failures = []
    for number in range(200):
        for check in (c for c in exercise.checks if c.hidden):
            case = make_case(exercise, check, student_id=f"student{number:03d}", secret="course-secret")
            got = plain(call_target(module, check.target, case.inputs))
            outcome, detail = judge(check, case.expected, got)
            if outcome is not Outcome.PASSED:
                failures.append((number, check.name, detail))
    assert failures == []



def test_a_label_in_a_close_comparison_is_compared_exactly() -> None:
    """ex21 returns configurations such as ``{"lr": 0.1, "activation": "relu"}`` under ``CLOSE``: the
    numbers within its tolerance, the labels equal."""
    check = next(c for c in by_id("ex21_random_search").checks if c.name == "sample_configurations")
    expected = [{"lr": 0.1, "batch_size": 16, "activation": "relu"}]
    assert judge(check, expected, [{"lr": 0.1 * (1 + 1e-9), "batch_size": 16, "activation": "relu"}]) == (
        Outcome.PASSED, "")
    outcome, detail = judge(check, expected, [{"lr": 0.1, "batch_size": 16, "activation": "tanh"}])
    assert outcome is Outcome.FAILED and "'relu'" in detail and "'tanh'" in detail
    assert judge(check, expected, [{"lr": 0.1, "batch_size": 16, "activation": 1.0}])[0] is Outcome.INVALID

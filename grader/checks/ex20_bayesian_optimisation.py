"""Checks of exercise 20, Bayesian optimisation (report 3.5.2): the expected improvement's closed form
(``sigma = 0`` included); the next point is one of largest expected improvement under the given Gaussian
process (judged by the solution's expected improvement of every candidate, so that ties cannot cost a
point); the loop, run for several seeds on a known 1-D function (Forrester's) and a known 2-D one
(Branin's), reaches one of the 3% best candidates in at most 90% of the evaluations random search needs on
average with the same budget. The parent looks up the values of the points the loop evaluated
itself, and the random-search figure is exact (drawing without replacement), not a simulation."""

from __future__ import annotations

from math import comb
from typing import Any

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, check
from grader.messages import REASONS
from grader.model import EXPECTED_KEY, Check, Comparison, Exercise, InputMaker, Inputs, Text

LENGTH_SCALE = {"forrester": 0.15, "branin": 0.2}
XI = 0.01
GOOD = {"forrester": 3, "branin": 7}
"""A run succeeds once it evaluates one of the ``GOOD`` best candidates (3% of them): the tolerance is the
gap between the lowest value and the ``GOOD``-th lowest."""
BUDGET = {"forrester": (3, 17), "branin": (5, 30)}
"""(initial random points, proposals) of a run."""
RUNS = 16
"""Runs (seeds) per check."""
SHARE = 0.9
"""The loop's mean number of evaluations to succeed must be at most ``SHARE`` times random search's."""


def ei_inputs(rng: np.random.Generator, m: int, zeros: int) -> Inputs:
    """Means and standard deviations of ``m`` points, the best value inside the range of the means;
    ``zeros`` of the deviations are exactly 0, their means alternately below and above ``best - xi``
    (a certain improvement, then none)."""
    mu = rng.normal(0.0, 1.0, m)
    sigma = rng.uniform(0.05, 1.5, m)
    best, xi = float(rng.uniform(-0.5, 0.5)), float(rng.uniform(0.0, 0.1))
    where = rng.choice(m, zeros, replace=False)
    sigma[where] = 0.0
    signs = np.resize([1.0, -1.0], zeros)  # certain gains and certain losses, both
    mu[where] = best - xi - signs * rng.uniform(0.1, 1.0, zeros)
    return {"mu": mu, "sigma": sigma, "best": best, "xi": xi}


def grid_candidates(dim: int) -> np.ndarray:
    """101 points on [0, 1] or a 15 x 15 grid of the unit square."""
    if dim == 1:
        return np.linspace(0.0, 1.0, 101).reshape(-1, 1)
    u = np.linspace(0.0, 1.0, 15)
    return np.array([[a, b] for a in u for b in u])


def objective_values(objective: str, shape: dict[str, Any], candidates: np.ndarray) -> np.ndarray:
    """The objective at every candidate, computed here (``grader.harness`` holds the public formulas)."""
    from grader.harness import OBJECTIVES

    return np.array([OBJECTIVES[objective](x, **shape) for x in candidates])


def random_search_mean(n: int, good: int, budget: int) -> float:
    """``E[min(T, budget + 1)]`` where ``T`` is the position of the first of ``good`` marked candidates
    among ``n`` drawn in random order without replacement: ``sum_{t=0}^{budget} P(T > t)`` with
    ``P(T > t) = C(n - good, t) / C(n, t)``."""
    return float(sum(comb(n - good, t) / comb(n, t) for t in range(budget + 1)))


def proposal_inputs(dim: int, random_candidates: bool) -> InputMaker:
    """A few observations of a test function and the candidates to choose from."""

    def make(rng: np.random.Generator) -> Inputs:
        objective = "forrester" if dim == 1 else "branin"
        candidates = rng.uniform(0.0, 1.0, (120, dim)) if random_candidates else grid_candidates(dim)
        X_obs = rng.uniform(0.0, 1.0, (4 + 2 * dim, dim))
        y_obs = objective_values(objective, {}, X_obs)
        return {"X_obs": X_obs, "y_obs": y_obs, "candidates": candidates,
                "length_scale": LENGTH_SCALE[objective], "xi": XI}

    return make


def runs_inputs(objective: str, randomised: bool) -> InputMaker:
    """Several seeds of the loop on ``objective``; the expected value holds what the parent needs to
    judge the runs: the candidates, their values, the value to reach and random search's mean."""

    def make(rng: np.random.Generator) -> Inputs:
        dim = 1 if objective == "forrester" else 2
        shape: dict[str, Any] = {}
        candidates = grid_candidates(dim)
        if randomised:
            shape = {"flip": bool(rng.integers(2)), "scale": float(rng.uniform(0.5, 2.0)),
                     "offset": float(rng.uniform(-5.0, 5.0))}
            candidates = rng.uniform(0.0, 1.0, (len(candidates), dim))
        n_init, n_iter = BUDGET[objective]
        values = objective_values(objective, shape, candidates)
        target = float(np.sort(values)[GOOD[objective] - 1])
        good = int(np.sum(values <= target))
        inputs = {"objective": objective, "shape": shape, "candidates": candidates, "n_init": n_init,
                  "n_iter": n_iter, "seeds": [int(s) for s in rng.integers(0, 2**31, RUNS)],
                  "length_scale": LENGTH_SCALE[objective], "xi": XI}
        judge = {"candidates": candidates, "values": values, "target": target, "budget": n_init + n_iter,
                 "runs": len(inputs["seeds"]),
                 "random_mean": random_search_mean(len(candidates), good, n_init + n_iter)}
        return {**inputs, EXPECTED_KEY: judge}

    return make


def _largest_improvement(got: Any, expected: Any) -> tuple[bool, str]:
    ei = np.asarray(expected["ei"], dtype=np.float64)
    index = got["index"] if isinstance(got, dict) else got
    if isinstance(index, bool) or not isinstance(index, int | np.integer) or not 0 <= int(index) < ei.size:
        raise ValueError(f"propose_next must return an index in 0 .. {ei.size - 1}, got {index!r}")
    index = int(index)
    top = float(ei.max())
    ok = ei[index] >= top - 1e-9 * abs(top) - 1e-15
    best = int(np.argmax(ei))
    return ok, REASONS["largest_improvement"].en.format(index=index, ei=f"{ei[index]:.6g}", best=best,
                                                        top=f"{top:.6g}")


LARGEST_IMPROVEMENT = Comparison(
    kind="predicate", predicate=_largest_improvement,
    describe=Text("un candidat dont l'amélioration espérée fait 100% de la plus grande (à 1e-9 près)",
                  "a candidate whose expected improvement is 100% of the largest (to 1e-9 relative)"),
)


def _evaluations_to_reach(run: Any, candidates: np.ndarray, values: np.ndarray, target: float,
                          budget: int) -> int:
    """The 1-based number of the first evaluation at or below ``target`` (``budget + 1`` if none); every
    row must be one of the candidates (``ValueError`` otherwise)."""
    X = np.asarray(run, dtype=np.float64)
    if X.ndim == 1 and candidates.shape[1] == 1:
        X = X.reshape(-1, 1)
    if X.shape != (budget, candidates.shape[1]):
        raise ValueError(f"expected {budget} points of dimension {candidates.shape[1]}, got shape {X.shape}")
    for number, x in enumerate(X, start=1):
        match = np.flatnonzero(np.all(np.abs(candidates - x) <= 1e-12, axis=1))
        if match.size == 0:
            raise ValueError(f"evaluation {number} is not one of the candidates")
        if values[match[0]] <= target:
            return number
    return budget + 1


def _beats_random(got: Any, expected: Any) -> tuple[bool, str]:
    candidates = np.asarray(expected["candidates"], dtype=np.float64)
    values = np.asarray(expected["values"], dtype=np.float64)
    if not isinstance(got, list | tuple) or not got:
        raise ValueError("expected one run per seed")
    if len(got) != int(expected["runs"]):
        raise ValueError(f"expected {int(expected['runs'])} runs, one per seed, got {len(got)}")
    budget = int(expected["budget"])
    numbers = [_evaluations_to_reach(run, candidates, values, float(expected["target"]), budget)
               for run in got]
    mean, allowed = float(np.mean(numbers)), SHARE * float(expected["random_mean"])
    return mean <= allowed, REASONS["beats_random"].en.format(
        mean=f"{mean:.2f}", runs=numbers, random=f"{expected['random_mean']:.2f}", allowed=f"{allowed:.2f}")


BEATS_RANDOM = Comparison(
    kind="predicate", predicate=_beats_random,
    describe=Text(
        f"atteint les 3 % meilleurs candidats en au plus {SHARE:.0%} des évaluations de la recherche "
        "aléatoire (moyenne)",
        f"reaches the best 3% of candidates in at most {SHARE:.0%} of random search's evaluations (mean)",
    ),
)

PUBLIC = (
    check(name="expected_improvement", points=2, target="expected_improvement", section="3.5.2",
          compare=CLOSE, inputs=lambda rng: ei_inputs(rng, 12, 0),
          hint=("I = best - mu - xi, z = I / sigma, EI = I Phi(z) + sigma phi(z), Phi = (1 + erf(z/√2))/2.",
                "I = best - mu - xi, z = I / sigma, EI = I Phi(z) + sigma phi(z), Phi = (1 + erf(z/√2))/2.")),
    check(name="ei_zero_sigma", points=1, target="expected_improvement", section="3.5.2",
          compare=CLOSE, inputs=lambda rng: ei_inputs(rng, 10, 4),
          hint=("Là où sigma = 0, pas de division : EI = max(I, 0).",
                "Where sigma = 0, no division: EI = max(I, 0).")),
    check(name="propose_next", points=2, target="harness.propose_with_scores", section="3.5.2",
          compare=LARGEST_IMPROVEMENT, inputs=proposal_inputs(1, random_candidates=False),
          hint=("Ajustez gp_posterior, best = min(y_obs), puis l'indice de l'EI maximale (np.argmax).",
                "Fit gp_posterior, best = min(y_obs), then the index of the largest EI (np.argmax).")),
    check(name="beats_random_search_1d", points=2, target="harness.bayesian_optimisation_runs",
          section="3.5.2", compare=BEATS_RANDOM, timeout_s=60.0, inputs=runs_inputs("forrester", False),
          hint=("Réajustez le substitut sur TOUTES les observations à chaque itération.",
                "Refit the surrogate on EVERY observation at each iteration.")),
    check(name="beats_random_search_2d", points=2, target="harness.bayesian_optimisation_runs",
          section="3.5.2", compare=BEATS_RANDOM, timeout_s=60.0, inputs=runs_inputs("branin", False),
          hint=("Les candidats sont des lignes (m, d) : évaluez f sur une ligne à la fois.",
                "Candidates are rows (m, d): evaluate f on one row at a time.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_expected_improvement_random", points=2, target="expected_improvement",
                  compare=CLOSE, section="3.5.2",
                  inputs=lambda rng: ei_inputs(rng, int(rng.integers(20, 40)), int(rng.integers(2, 6))),
                  hint=("Vérifiez la formule fermée et le cas sigma = 0.",
                        "Check the closed form and the case sigma = 0.")),
    common.hidden(name="hidden_propose_next_2d", points=2, target="harness.propose_with_scores",
                  section="3.5.2", compare=LARGEST_IMPROVEMENT,
                  inputs=proposal_inputs(2, random_candidates=True),
                  hint=("Meilleure valeur = la plus petite observée ; maximisez l'EI.",
                        "Best value = the lowest observed; maximise the EI.")),
    common.hidden(name="hidden_beats_random_search_1d", points=2, target="harness.bayesian_optimisation_runs",
                  compare=BEATS_RANDOM, section="3.5.2", timeout_s=60.0,
                  inputs=runs_inputs("forrester", True),
                  hint=("Chaque nouveau point s'ajoute aux observations avant le choix suivant.",
                        "Each new point joins the observations before the next choice.")),
    common.hidden(name="hidden_beats_random_search_2d", points=2, target="harness.bayesian_optimisation_runs",
                  section="3.5.2", compare=BEATS_RANDOM, timeout_s=60.0, inputs=runs_inputs("branin", True),
                  hint=("Minimisation : l'amélioration se mesure sous la plus petite valeur observée.",
                        "Minimisation: improvement is measured below the lowest value observed.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex20_bayesian_optimisation", section="3.5.2",
                    functions=("expected_improvement", "propose_next", "bayesian_optimisation"),
                    title=Text("Optimisation bayésienne", "Bayesian optimisation"),
                    checks=PUBLIC + HIDDEN)

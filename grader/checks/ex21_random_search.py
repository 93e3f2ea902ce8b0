"""Checks of exercise 21, random search over continuous ranges (report 3.5.2, Figure 3.11): the draws
follow ``np.random.default_rng(seed)`` in the order the docstring states (uniform, log-uniform, rounded
log-uniform batch sizes, a choice of activation); the grid spaces its values evenly (in log scale for the
log ranges) and lists the combinations in ``itertools.product`` order; the whole search keeps the first
best; and, Figure 3.11's point, random search tries many more distinct values of the learning rate than a
grid of the same budget, counted here by the parent."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, check, fixed
from grader.model import EXPECTED_KEY, Check, Comparison, Exercise, InputMaker, Inputs, Text

SPACE: dict[str, list[Any]] = {
    "lr": ["log_uniform", 1e-3, 1.0],
    "lam": ["log_uniform", 1e-5, 1e-1],
    "batch_size": ["int_log_uniform", 4, 64],
    "activation": ["choice", ["relu", "tanh", "sigmoid"]],
}
DRAW_SPACE: dict[str, list[Any]] = {**SPACE, "keep": ["uniform", 0.5, 1.0]}
"""A space with every kind of range, for the checks that train nothing."""
GRID_SPACE: dict[str, list[Any]] = {
    "lr": ["log_uniform", 1e-3, 1.0],
    "batch_size": ["int_log_uniform", 4, 64],
    "activation": ["choice", ["relu", "tanh"]],
    "keep": ["uniform", 0.5, 1.0],
}
"""Every kind of range, 54 combinations with 3 values per range."""
DISTINCT_SHARE = 0.9


def search_data(rng: np.random.Generator, n_train: int = 64, n_val: int = 40, d: int = 4) -> dict[str, Any]:
    """Labels of a noisy nonlinear rule, split into a training and a validation set."""
    w = rng.standard_normal(d)
    X = rng.standard_normal((n_train + n_val, d))
    y = ((X @ w + 0.5 * X[:, 0] ** 2 + 0.5 * rng.standard_normal(n_train + n_val)) > 0.5).astype(np.float64)
    return {"X_train": X[:n_train], "y_train": y[:n_train], "X_val": X[n_train:], "y_val": y[n_train:]}


def random_space(rng: np.random.Generator, with_uniform: bool) -> dict[str, list[Any]]:
    """The ranges of ``SPACE`` with bounds and key order drawn at random (and a uniform range)."""
    low_lr = float(10.0 ** rng.uniform(-4.0, -2.0))
    space: dict[str, list[Any]] = {
        "lr": ["log_uniform", low_lr, float(low_lr * 10.0 ** rng.uniform(2.0, 3.0))],
        "lam": ["log_uniform", float(10.0 ** rng.uniform(-6.0, -4.0)),
                float(10.0 ** rng.uniform(-2.0, -1.0))],
        "batch_size": ["int_log_uniform", int(rng.integers(2, 9)), int(rng.integers(32, 129))],
        "activation": ["choice", [str(a) for a in rng.permutation(["relu", "tanh", "sigmoid"])]],
    }
    if with_uniform:
        space["keep"] = ["uniform", float(rng.uniform(0.3, 0.6)), float(rng.uniform(0.8, 1.0))]
    keys = list(space)
    return {keys[i]: space[keys[i]] for i in rng.permutation(len(keys))}


def distinct_inputs(randomised: bool) -> InputMaker:
    """A space, a number of grid values per range and a seed; the expected value holds the grid's budget
    and the range of ``lr``."""

    def make(rng: np.random.Generator) -> Inputs:
        space = random_space(rng, with_uniform=False) if randomised else SPACE
        n_values = int(rng.integers(2, 4)) if randomised else 3
        seed = int(rng.integers(2**31)) if randomised else 7
        budget = math.prod(len(r[1]) if r[0] == "choice" else n_values for r in space.values())
        judge = {"budget": budget, "low": space["lr"][1], "high": space["lr"][2], "grid_distinct": n_values}
        return {"space": space, "n_values": n_values, "seed": seed, "important": "lr", EXPECTED_KEY: judge}

    return make


def _more_distinct(got: Any, expected: Any) -> tuple[bool, str]:
    if not isinstance(got, dict) or set(got) != {"grid", "random"}:
        raise ValueError("expected the learning rates of the grid and of the random search")
    budget = int(expected["budget"])
    grid, drawn = got["grid"], got["random"]
    if len(grid) != budget or len(drawn) != budget:
        return False, (f"the grid holds {len(grid)} and random search {len(drawn)} configurations, "
                       f"not {budget}")
    lr = np.asarray(drawn, dtype=np.float64)
    if np.any(lr < expected["low"]) or np.any(lr > expected["high"]):
        return False, "a learning rate drawn is outside its range"
    counts = len(set(lr.tolist())), len({float(v) for v in grid})
    needed = max(DISTINCT_SHARE * budget, counts[1] + 1)
    return counts[0] >= needed, (f"random search tried {counts[0]} distinct learning rates in {budget} "
                                 f"trials, the grid {counts[1]}; at least {needed:g} needed")


MORE_DISTINCT = Comparison(
    kind="predicate", predicate=_more_distinct,
    describe=Text(
        f"au moins {DISTINCT_SHARE:.0%} de valeurs distinctes de lr, plus que la grille de même budget",
        f"at least {DISTINCT_SHARE:.0%} distinct values of lr, more than the grid of the same budget",
    ),
)

PUBLIC = (
    check(name="sample_configurations", points=2, target="sample_configurations", section="3.5.2",
          compare=CLOSE, inputs=fixed(space=DRAW_SPACE, n_trials=6, seed=5),
          hint=("Un seul générateur ; un tirage par clé, dans l'ordre ; exp d'un uniforme entre les logs.",
                "One generator; one draw per key, in order; exp of a uniform between the logs.")),
    check(name="grid_configurations", points=2, target="grid_configurations", section="3.5.2",
          compare=CLOSE, inputs=fixed(space=GRID_SPACE, n_values=3),
          hint=("np.geomspace pour les intervalles logarithmiques, np.linspace sinon ; itertools.product.",
                "np.geomspace for the log ranges, np.linspace otherwise; itertools.product.")),
    check(name="random_search", points=2, target="random_search", section="3.5.2", compare=CLOSE,
          inputs=lambda rng: {**search_data(rng), "space": SPACE, "n_trials": 6, "seed": 11},
          hint=("Évaluez les combinaisons de sample_configurations dans l'ordre ; gardez la première "
                "meilleure.",
                "Score the configurations of sample_configurations in order; keep the first best.")),
    check(name="more_distinct_than_grid", points=2, target="harness.grid_and_random_values",
          section="3.5.2", compare=MORE_DISTINCT, inputs=distinct_inputs(randomised=False),
          hint=("Figure 3.11 : tirez lr dans tout l'intervalle, pas parmi les valeurs de la grille.",
                "Figure 3.11: draw lr from the whole range, not among the grid's values.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_sample_configurations_random", points=2, target="sample_configurations",
                  compare=CLOSE, section="3.5.2",
                  inputs=lambda rng: {"space": random_space(rng, with_uniform=True),
                                      "n_trials": int(rng.integers(4, 10)), "seed": int(rng.integers(2**31))},
                  hint=("Suivez l'ordre des clés de l'espace et un tirage par clé.",
                        "Follow the order of the space's keys, one draw per key.")),
    common.hidden(name="hidden_grid_configurations_random", points=2, target="grid_configurations",
                  compare=CLOSE, section="3.5.2",
                  inputs=lambda rng: {"space": random_space(rng, with_uniform=True),
                                      "n_values": int(rng.integers(3, 5))},
                  hint=("Valeurs également espacées en échelle logarithmique pour log_uniform.",
                        "Values evenly spaced in log scale for log_uniform.")),
    common.hidden(name="hidden_random_search_random", points=2, target="random_search", section="3.5.2",
                  compare=CLOSE,
                  inputs=lambda rng: {**search_data(rng, 48, 32, 3), "space": random_space(rng, False),
                                      "n_trials": int(rng.integers(3, 7)), "seed": int(rng.integers(2**31))},
                  hint=("Un nouveau générateur par appel, np.random.default_rng(seed).",
                        "One new generator per call, np.random.default_rng(seed).")),
    common.hidden(target="harness.grid_and_random_values", name="hidden_more_distinct_than_grid_random",
                  points=2,
                  section="3.5.2", compare=MORE_DISTINCT, inputs=distinct_inputs(randomised=True),
                  hint=("Un tirage continu donne une valeur nouvelle à chaque essai.",
                        "A continuous draw gives a new value at every trial.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex21_random_search", section="3.5.2",
                    functions=("sample_configurations", "grid_configurations", "random_search"),
                    title=Text("Recherche aléatoire sur des intervalles continus",
                               "Random search over continuous ranges"),
                    checks=PUBLIC + HIDDEN)

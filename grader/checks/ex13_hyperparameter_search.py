"""Checks of exercise 13, hyperparameter search (report 3.5.2): the grid's size is the product of the
numbers of values (eq. 3.7); grid search tries every combination in ``itertools.product`` order (the grid's
key order) and keeps the first of lowest validation loss; random search draws its trials from
``np.random.default_rng(seed)`` as the docstring states."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, EQUAL, check, fixed
from grader.model import Check, Exercise, Text

GRID = {"lr": [0.05, 0.2, 0.8], "lam": [0.0, 0.01], "epochs": [10, 40]}
TIED_GRID = {"lr": [0.5, 0.0], "lam": [0.0, 0.1], "epochs": [10, 40]}


def search_data(
    rng: np.random.Generator, n_train: int = 60, n_val: int = 40, d: int = 4
) -> dict[str, np.ndarray]:
    """Labels of a noisy linear rule, split into a training and a validation set."""
    w = rng.standard_normal(d)
    X = rng.standard_normal((n_train + n_val, d))
    y = ((X @ w + 0.7 * rng.standard_normal(n_train + n_val)) > 0).astype(np.float64)
    return {"X_train": X[:n_train], "y_train": y[:n_train], "X_val": X[n_train:], "y_val": y[n_train:]}


def tied_search_data(rng: np.random.Generator, n_train: int, n_val: int, d: int) -> dict[str, np.ndarray]:
    """Separable data whose validation labels are the opposite of the training rule: every trained model
    scores worse on them than the untrained one, whose loss is exactly log 2 whatever ``lam`` and
    ``epochs`` are when ``lr = 0``. A grid holding ``lr = 0`` then has several combinations tied at the
    lowest loss, and only the first of them, in ``itertools.product`` order, is the right answer."""
    w = rng.standard_normal(d)
    X = rng.standard_normal((n_train + n_val, d))
    y = (X @ w > 0).astype(np.float64)
    return {"X_train": X[:n_train], "y_train": y[:n_train], "X_val": X[n_train:], "y_val": 1.0 - y[n_train:]}


PUBLIC = (
    check(name="grid_size", points=1, target="grid_size", section="3.5.2", compare=EQUAL,
          inputs=fixed(grid=GRID), expected=12,
          hint=("Éq. 3.7 : produit du nombre de valeurs de chaque hyperparamètre.",
                "Eq. 3.7: product of the number of values of each hyperparameter.")),
    check(name="grid_search", points=2, target="grid_search", section="3.5.2", compare=CLOSE,
          inputs=lambda rng: {**search_data(rng), "grid": GRID},
          hint=("Toutes les combinaisons (itertools.product), la première de perte minimale.",
                "Every combination (itertools.product), the first of lowest loss.")),
    check(name="grid_search_ties", points=1, target="grid_search", section="3.5.2", compare=CLOSE,
          inputs=lambda rng: {**tied_search_data(rng, 40, 30, 3), "grid": TIED_GRID},
          hint=("Plusieurs combinaisons ont la même perte minimale : gardez la première (<, pas <=).",
                "Several combinations share the lowest loss: keep the first one (<, not <=).")),
    check(name="random_search", points=2, target="random_search", section="3.5.2", compare=CLOSE,
          inputs=lambda rng: {**search_data(rng), "space": GRID, "n_trials": 5, "seed": 3},
          hint=("Tirez les essais exactement comme le dit l'énoncé.",
                "Draw the trials exactly as the docstring says.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS


def _tied_grid(rng: np.random.Generator) -> dict[str, list[Any]]:
    """A grid over ``lr`` (one value 0), ``lam`` and ``epochs``, values and key order drawn at random."""
    grid: dict[str, list[Any]] = {
        "lr": [0.0, float(rng.uniform(0.3, 1.0))],
        "lam": [0.0, float(rng.uniform(0.01, 0.2))],
        "epochs": [int(e) for e in rng.choice(np.arange(5, 41), 2, replace=False)],
    }
    for values in grid.values():
        rng.shuffle(values)
    keys = list(grid)
    return {keys[i]: grid[keys[i]] for i in rng.permutation(len(keys))}


HIDDEN = (
    common.hidden(name="hidden_grid_size_random", points=1, target="grid_size", section="3.5.2",
                  compare=EQUAL, inputs=lambda rng: {
                      "grid": {
                          key: [float(v) for v in rng.uniform(0.0, 1.0, int(rng.integers(2, 6)))]
                          for key in ("lr", "lam", "epochs")
                      }
                  },
                  hint=("Un produit, pas une somme.", "A product, not a sum.")),
    common.hidden(name="hidden_grid_search_random", points=2, target="grid_search", section="3.5.2",
                  compare=CLOSE, inputs=lambda rng: {
                      **search_data(rng, 50, 30, 3),
                      "grid": {"epochs": [5, 30], "lr": [0.1, 1.0], "lam": [0.0, 0.05, 0.2]},
                  },
                  hint=("Respectez l'ordre des clés de la grille.", "Follow the order of the grid's keys.")),
    common.hidden(name="hidden_grid_search_ties_random", points=1, target="grid_search", section="3.5.2",
                  compare=CLOSE,
                  inputs=lambda rng: {**tied_search_data(rng, 40, 30, 3), "grid": _tied_grid(rng)},
                  hint=("À égalité de perte, la première combinaison dans l'ordre de itertools.product "
                        "l'emporte.",
                        "On equal losses, the first combination in itertools.product order wins.")),
    common.hidden(name="hidden_random_search_random", points=2, target="random_search", section="3.5.2",
                  compare=CLOSE, inputs=lambda rng: {
                      **search_data(rng, 50, 30, 3),
                      "space": GRID,
                      "n_trials": int(rng.integers(3, 8)),
                      "seed": int(rng.integers(2**31)),
                  },
                  hint=("Un nouveau générateur par appel, np.random.default_rng(seed).",
                        "One new generator per call, np.random.default_rng(seed).")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex13_hyperparameter_search", section="3.5.2",
                    functions=("grid_size", "grid_search", "random_search"),
                    title=Text("Recherche d'hyperparamètres", "Hyperparameter search"),
                    checks=PUBLIC + HIDDEN)

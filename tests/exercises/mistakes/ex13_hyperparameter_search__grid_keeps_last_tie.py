"""Mistake: grid search keeps the last best on ties (<=)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np


def train_and_score(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    lr: float,
    lam: float,
    epochs: int,
) -> float:
    """Given (do not change): logistic regression trained from zero weights by ``epochs`` full-batch
    gradient steps on the mean cross-entropy plus ``lam ||w||^2``; returns the mean validation
    cross-entropy.

    Inputs:
        X_train: (n, d), y_train: (n,) in {0, 1}, X_val: (m, d), y_val: (m,) in {0, 1}.
        lr: float, lam: float, epochs: int.
    Returns:
        validation loss: float.
    """
    X = np.asarray(X_train, dtype=np.float64)
    y = np.asarray(y_train, dtype=np.float64)
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(int(epochs)):
        p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        w = w - lr * (X.T @ (p - y) / len(y) + 2.0 * lam * w)
        b = b - lr * float(np.mean(p - y))
    z = np.asarray(X_val, dtype=np.float64) @ w + b
    yv = np.asarray(y_val, dtype=np.float64)
    return float(np.mean(np.logaddexp(0.0, z) - yv * z))


def grid_size(grid: dict[str, list[Any]]) -> int:
    """Nombre de combinaisons d'une recherche par grille (section 3.5.2, éq. 3.7) :
    ``prod_{i=1}^{n}`` (nombre de valeurs possibles pour l'hyperparamètre i).

    Number of combinations a grid search evaluates (eq. 3.7).

    Inputs:
        grid: dict mapping each hyperparameter name to the list of its values.
    Returns:
        int.
    """
    size = 1
    for values in grid.values():
        size *= len(values)
    return size


def grid_search(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    grid: dict[str, list[Any]],
) -> tuple[dict[str, Any], float, int]:
    """Recherche par grille (section 3.5.2) : évaluez avec ``train_and_score`` TOUTES les combinaisons,
    dans l'ordre de ``itertools.product`` sur les clés de ``grid`` dans leur ordre ; gardez la première
    combinaison de perte minimale.

    Grid search: evaluate every combination, in ``itertools.product`` order over the keys of ``grid`` in
    their order, with ``train_and_score``; keep the first combination of lowest validation loss.

    Inputs:
        X_train, y_train, X_val, y_val: as in ``train_and_score``.
        grid: dict with keys among ``lr``, ``lam``, ``epochs``, each mapped to a list of values.
    Returns:
        (best_params, best_loss, n_evaluated): a dict like ``{"lr": 0.1, "lam": 0.0, "epochs": 20}``,
        a float and an int.
    """
    best_params: dict[str, Any] = {}
    best_loss = float("inf")
    n_evaluated = 0
    names = list(grid)
    for values in itertools.product(*(grid[name] for name in names)):
        params = dict(zip(names, values, strict=True))
        loss = train_and_score(X_train, y_train, X_val, y_val, **params)
        n_evaluated += 1
        if loss <= best_loss:
            best_params, best_loss = params, loss
    return best_params, best_loss, n_evaluated


def random_search(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    space: dict[str, list[Any]],
    n_trials: int,
    seed: int,
) -> tuple[dict[str, Any], float, list[float]]:
    """Recherche aléatoire (section 3.5.2) : ``n_trials`` combinaisons tirées au hasard. Tirez-les
    EXACTEMENT ainsi : ``rng = np.random.default_rng(seed)`` puis, pour chaque essai,
    ``{k: vals[int(rng.integers(len(vals)))] for k, vals in space.items()}`` ; gardez le premier meilleur.

    Random search: draw each trial as written above, score it with ``train_and_score``, and keep the first
    trial of lowest validation loss.

    Inputs:
        X_train, y_train, X_val, y_val: as in ``train_and_score``.
        space: dict of hyperparameter name -> list of values. n_trials: int >= 1. seed: int.
    Returns:
        (best_params, best_loss, losses): a dict, a float, and the list of the ``n_trials`` validation
        losses in the order drawn.
    """
    rng = np.random.default_rng(seed)
    best_params: dict[str, Any] = {}
    best_loss = float("inf")
    losses: list[float] = []
    for _ in range(n_trials):
        params = {k: vals[int(rng.integers(len(vals)))] for k, vals in space.items()}
        losses.append(train_and_score(X_train, y_train, X_val, y_val, **params))
        if losses[-1] < best_loss:
            best_params, best_loss = params, losses[-1]
    return best_params, best_loss, losses

# Generated from solutions/ex21_random_search.py by grader/make_stubs.py: do not edit.
# ruff: noqa: F401, RUF100
"""Exercise 21: random search over continuous ranges (report section 3.5.2, Figure 3.11): draw learning
rates and penalties log-uniformly, batch sizes log-uniformly among integers and the activation among a
list, and compare with a grid of the same budget.

A search space is a dict mapping each hyperparameter to its range, one of:

* ``["uniform", low, high]``: a float uniform in [low, high];
* ``["log_uniform", low, high]``: a float whose logarithm is uniform in [log low, log high] (each decade
  as likely as the next: the right law for a learning rate or a penalty);
* ``["int_log_uniform", low, high]``: the same, rounded to the nearest integer (a batch size);
* ``["choice", [v_1, ..., v_k]]``: one of the listed values (an activation), each as likely.

The training problem is given: ``train_and_score`` trains a small network and returns its validation loss
(lower is better); its keyword arguments ``lr``, ``lam``, ``batch_size`` and ``activation`` are the
hyperparameters searched.

Goal (Figure 3.11): with the budget of a grid of ``n_values`` values per range, random search tries at
least 90% distinct learning rates (a grid tries only ``n_values``), because every trial draws a new one.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np


def train_and_score(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    lr: float,
    lam: float,
    batch_size: int,
    activation: str,
) -> float:
    """Given (do not change): a network ``x -> sigmoid(w_2 . act(W_1 x + b_1) + b_2)`` with 8 hidden units
    (``act`` one of ``"relu"``, ``"tanh"``, ``"sigmoid"``), weights drawn from ``default_rng(0)``, trained
    for 5 epochs by minibatch gradient descent (batches of ``batch_size`` rows in order) on the mean
    cross-entropy plus ``lam (||W_1||^2 + ||w_2||^2)``; returns the mean validation cross-entropy.

    Inputs:
        X_train: (n, d), y_train: (n,) in {0, 1}, X_val: (m, d), y_val: (m,) in {0, 1}.
        lr: float, lam: float, batch_size: int >= 1, activation: str.
    Returns:
        validation loss: float.
    """
    acts = {
        "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0.0).astype(np.float64)),
        "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
        "sigmoid": (lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), lambda z, a: a * (1.0 - a)),
    }
    act, act_grad = acts[activation]
    X = np.asarray(X_train, dtype=np.float64)
    y = np.asarray(y_train, dtype=np.float64)
    rng = np.random.default_rng(0)
    W1 = rng.normal(0.0, 1.0 / math.sqrt(X.shape[1]), (8, X.shape[1]))
    b1 = np.zeros(8)
    w2 = rng.normal(0.0, 1.0 / math.sqrt(8.0), 8)
    b2 = 0.0
    for _ in range(5):
        for start in range(0, len(X), int(batch_size)):
            xb, yb = X[start : start + int(batch_size)], y[start : start + int(batch_size)]
            z = xb @ W1.T + b1
            a = act(z)
            p = 0.5 * (1.0 + np.tanh(0.5 * (a @ w2 + b2)))
            d_out = (p - yb) / len(yb)
            d_hidden = np.outer(d_out, w2) * act_grad(z, a)
            w2 = w2 - lr * (a.T @ d_out + 2.0 * lam * w2)
            b2 = b2 - lr * float(np.sum(d_out))
            W1 = W1 - lr * (d_hidden.T @ xb + 2.0 * lam * W1)
            b1 = b1 - lr * d_hidden.sum(axis=0)
    s = act(np.asarray(X_val, dtype=np.float64) @ W1.T + b1) @ w2 + b2
    yv = np.asarray(y_val, dtype=np.float64)
    return float(np.mean(np.logaddexp(0.0, s) - yv * s))


def sample_configurations(space: dict[str, list[Any]], n_trials: int, seed: int) -> list[dict[str, Any]]:
    """Recherche aléatoire (section 3.5.2, figure 3.11) : ``n_trials`` combinaisons tirées dans des
    intervalles continus. Tirez-les EXACTEMENT ainsi : ``rng = np.random.default_rng(seed)`` ; pour chaque
    essai, pour chaque clé de ``space`` dans son ordre, UN tirage : ``rng.uniform(low, high)`` pour
    ``uniform`` ; ``math.exp(rng.uniform(math.log(low), math.log(high)))`` pour ``log_uniform`` ; ce
    nombre arrondi par ``int(round(...))`` pour ``int_log_uniform`` ;
    ``values[int(rng.integers(len(values)))]`` pour ``choice``.

    Draw ``n_trials`` configurations from continuous ranges exactly as written above: one draw per key,
    keys in the order of ``space``, trials one after the other, from one generator.

    Inputs:
        space: dict of hyperparameter name -> range (see the module's docstring). n_trials: int >= 1.
        seed: int.
    Returns:
        list of ``n_trials`` dicts with the keys of ``space`` in their order: floats, ints for
        ``int_log_uniform``, the listed value for ``choice``.
    """
    raise NotImplementedError


def grid_configurations(space: dict[str, list[Any]], n_values: int) -> list[dict[str, Any]]:
    """Recherche par grille sur les mêmes intervalles (section 3.5.2, éq. 3.7) : ``n_values`` valeurs par
    intervalle continu, également espacées (``np.linspace(low, high, n_values)``) ou également espacées en
    échelle logarithmique (``np.geomspace(low, high, n_values)``, arrondies par ``int(round(v))`` pour
    ``int_log_uniform``) ; toutes les valeurs d'un ``choice``. Toutes les combinaisons, dans l'ordre de
    ``itertools.product`` sur les clés dans leur ordre.

    A grid over the same ranges: ``n_values`` evenly spaced values per continuous range (evenly spaced in
    log scale for the log ranges), every value of a ``choice``; every combination in ``itertools.product``
    order over the keys in their order.

    Inputs:
        space: dict of hyperparameter name -> range. n_values: int >= 2.
    Returns:
        list of dicts with the keys of ``space`` in their order (floats; ints for ``int_log_uniform``).
    """
    raise NotImplementedError


def random_search(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    space: dict[str, list[Any]],
    n_trials: int,
    seed: int,
) -> tuple[dict[str, Any], float, list[float]]:
    """Recherche aléatoire complète (section 3.5.2) : évaluez avec ``train_and_score`` les combinaisons de
    ``sample_configurations(space, n_trials, seed)`` dans leur ordre et gardez la première de perte
    minimale.

    Score the configurations of ``sample_configurations(space, n_trials, seed)`` in order with
    ``train_and_score`` and keep the first one of lowest validation loss.

    Inputs:
        X_train, y_train, X_val, y_val: as in ``train_and_score``. space: dict of ranges.
        n_trials: int >= 1. seed: int.
    Returns:
        (best_params, best_loss, losses): a dict, a float, and the list of the ``n_trials`` validation
        losses in the order drawn.
    """
    raise NotImplementedError

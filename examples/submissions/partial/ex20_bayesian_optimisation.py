# Generated from solutions/ex20_bayesian_optimisation.py by grader/make_stubs.py: do not edit.
# ruff: noqa: F401, RUF100
"""Exercise 20: Bayesian optimisation (report section 3.5.2, "3. Optimisation Bayésienne"): the objective
``L(x)`` is modelled by a Gaussian process; each step evaluates the point that maximises an acquisition
function, here the expected improvement, which weighs exploitation (a low predicted mean) against
exploration (a large predicted uncertainty).

Given (do not change): ``gp_posterior``, a small Gaussian process written with NumPy. You write the
acquisition function, the choice of the next point and the optimisation loop. Every search MINIMISES.

Goal: on a known 1-D function (Forrester's, 101 candidates, 20 evaluations) and a known 2-D one
(Branin's, 225 candidates, 35 evaluations), run for 16 seeds, the loop reaches one of the best 3% of the
candidates in at most 90% of the evaluations random search needs on average with the same budget (the
solution needs about 50%). The next point is judged by the solution's expected improvement: any candidate
whose expected improvement is 100% of the largest (to 1e-9 relative) is accepted, so ties cost nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def gp_posterior(
    X_obs: np.ndarray, y_obs: np.ndarray, X_query: np.ndarray, length_scale: float, noise: float = 1e-6
) -> tuple[np.ndarray, np.ndarray]:
    """Given (do not change): the posterior mean and standard deviation of a Gaussian process at the rows
    of ``X_query``, fitted to the observations ``(X_obs, y_obs)``.

    Kernel ``k(a, b) = exp(-||a - b||^2 / (2 length_scale^2))``; the observations are standardised
    (``(y - mean) / std``, std taken as 1 when it is 0); ``noise`` is added to the kernel's diagonal.
    With ``K = k(X_obs, X_obs) + noise I``, ``k_* = k(X_obs, x)``: ``mu(x) = k_*^T K^{-1} y`` and
    ``sigma(x)^2 = 1 - k_*^T K^{-1} k_*`` (floored at 0), both brought back to the scale of ``y``.

    Inputs:
        X_obs: (n, d), y_obs: (n,), X_query: (m, d), length_scale: float > 0, noise: float >= 0.
    Returns:
        (mu, sigma): two float64 arrays of shape (m,).
    """
    X_obs = np.asarray(X_obs, dtype=np.float64).reshape(len(y_obs), -1)
    X_query = np.asarray(X_query, dtype=np.float64).reshape(-1, X_obs.shape[1])
    y = np.asarray(y_obs, dtype=np.float64)
    mean, std = float(np.mean(y)), float(np.std(y))
    std = std if std > 0.0 else 1.0

    def kernel(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        sq = np.sum(A * A, axis=1)[:, None] + np.sum(B * B, axis=1)[None, :] - 2.0 * A @ B.T
        return np.exp(-np.maximum(sq, 0.0) / (2.0 * length_scale**2))

    L = np.linalg.cholesky(kernel(X_obs, X_obs) + noise * np.eye(len(X_obs)))
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, (y - mean) / std))
    K_star = kernel(X_obs, X_query)
    v = np.linalg.solve(L, K_star)
    mu = K_star.T @ alpha
    var = np.maximum(1.0 - np.sum(v * v, axis=0), 0.0)
    return mean + std * mu, std * np.sqrt(var)


def expected_improvement(mu: np.ndarray, sigma: np.ndarray, best: float, xi: float) -> np.ndarray:
    """Fonction d'acquisition (section 3.5.2) : l'amélioration espérée, pour une MINIMISATION, de chaque
    point où le substitut prédit la moyenne ``mu`` et l'écart type ``sigma``. Avec ``I = best - mu - xi``
    et ``z = I / sigma`` : ``EI = I * Phi(z) + sigma * phi(z)``, où ``Phi(z) = (1 + erf(z / sqrt(2))) / 2``
    (``math.erf``) et ``phi(z) = exp(-z^2 / 2) / sqrt(2 pi)``. Là où ``sigma = 0`` : ``EI = max(I, 0)``.

    Expected improvement below ``best`` (minimisation) of points where the surrogate predicts mean ``mu``
    and standard deviation ``sigma``, with the closed form above; ``xi >= 0`` asks for an improvement of at
    least ``xi`` (more exploration). Where ``sigma = 0`` the improvement is certain: ``max(I, 0)``.

    Inputs:
        mu: (m,) array. sigma: (m,) array, >= 0. best: float, the lowest value observed. xi: float >= 0.
    Returns:
        float64 array of shape (m,), >= 0.
    """
    raise NotImplementedError


def propose_next(
    X_obs: np.ndarray, y_obs: np.ndarray, candidates: np.ndarray, length_scale: float, xi: float
) -> int:
    """Le point suivant (section 3.5.2) : ajustez le processus gaussien ``gp_posterior`` aux observations,
    calculez l'amélioration espérée de chaque candidat par rapport à la plus petite valeur observée, et
    renvoyez l'indice du candidat qui la maximise (le premier en cas d'égalité, comme ``np.argmax``).

    The next point: fit ``gp_posterior`` to the observations, compute the expected improvement of every
    candidate over the lowest value observed, and return the index of the candidate that maximises it
    (the first one on ties).

    Inputs:
        X_obs: (n, d), y_obs: (n,), candidates: (m, d), length_scale: float, xi: float.
    Returns:
        int, an index in 0 .. m-1.
    """
    raise NotImplementedError


def bayesian_optimisation(
    f: Callable[[np.ndarray], float],
    candidates: np.ndarray,
    n_init: int,
    n_iter: int,
    seed: int,
    length_scale: float,
    xi: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Boucle d'optimisation bayésienne (section 3.5.2) : évaluez ``f`` en ``n_init`` candidats tirés
    par ``np.random.default_rng(seed).choice(len(candidates), n_init, replace=False)``, puis, ``n_iter``
    fois, évaluez le candidat que ``propose_next`` choisit d'après toutes les observations faites.

    Evaluate ``f`` at ``n_init`` candidates drawn as written above, then, ``n_iter`` times, at the
    candidate ``propose_next`` picks from every observation so far. ``f`` takes one row of
    ``candidates`` (shape (d,)) and returns a float; call it once per evaluation.

    Inputs:
        f: callable. candidates: (m, d). n_init: int >= 1. n_iter: int >= 0. seed: int.
        length_scale: float. xi: float.
    Returns:
        (X_obs, y_obs): the points evaluated in order, shape (n_init + n_iter, d), and their values,
        shape (n_init + n_iter,).
    """
    raise NotImplementedError

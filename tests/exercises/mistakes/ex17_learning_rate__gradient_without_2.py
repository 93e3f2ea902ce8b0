"""Mistake: the gradient of a (w - 3)^2 is written a (w - 3), without the factor 2."""

from __future__ import annotations

import itertools


def classify_iterates(path: list[float], w_min: float) -> str:
    """Classez une suite d'itérés ``w_0, ..., w_T`` de la descente de gradient autour du minimum ``w_min``
    (section 3.1, importance du taux d'apprentissage). Avec les écarts ``e_t = w_t - w_min`` :
    ``"diverging"`` si ``|e_T| > |e_0|`` (le dernier itéré est plus loin du minimum que le premier) ; sinon
    ``"oscillating"`` si deux écarts consécutifs sont de signes opposés (``e_t e_{t+1} < 0`` pour au moins
    un ``t``) ; sinon ``"converging"``. La divergence se teste en premier : une descente qui diverge
    oscille aussi.

    Classify the iterates of a descent around the minimum ``w_min``: ``"diverging"`` when the last iterate
    is farther from it than the first, else ``"oscillating"`` when two consecutive iterates lie on opposite
    sides of it, else ``"converging"``.

    Inputs:
        path: list of floats ``[w_0, ..., w_T]``, ``T >= 1``.
        w_min: float, the minimum.
    Returns:
        one of the strings "converging", "oscillating", "diverging".
    """
    errors = [float(w) - float(w_min) for w in path]
    if abs(errors[-1]) > abs(errors[0]):
        return "diverging"
    if any(e * e_next < 0.0 for e, e_next in itertools.pairwise(errors)):
        return "oscillating"
    return "converging"


def classify_learning_rate(lr: float, a: float, w0: float, n_steps: int) -> str:
    """Faites ``n_steps`` pas de descente de gradient ``w <- w - lr dC/dw`` sur ``C(w) = a (w - 3)^2``
    (``dC/dw = 2 a (w - 3)``) en partant de ``w0``, puis classez les itérés ``[w0, ..., w_n]`` autour du
    minimum ``3`` avec ``classify_iterates`` (section 3.1, figure 3.1).

    Run ``n_steps`` gradient-descent steps on ``C(w) = a (w - 3)^2`` from ``w0`` and classify the
    iterates around the minimum 3.

    Inputs:
        lr: float > 0, the learning rate alpha. a: float > 0, the curvature of the cost.
        w0: float, the start (not 3). n_steps: int >= 1.
    Returns:
        "converging", "oscillating" or "diverging".
    """
    path = [float(w0)]
    for _ in range(n_steps):
        w = path[-1]
        path.append(w - lr * a * (w - 3.0))
    return classify_iterates(path, 3.0)


def descent_with_stopping(
    w0: float, lr: float, a: float, tol: float, max_iter: int
) -> tuple[list[float], str]:
    """Descente de gradient sur ``C(w) = a (w - 3)^2`` avec les deux critères d'arrêt de l'étape (d) de la
    section 3.1 : après chaque pas ``w_new = w - lr 2 a (w - 3)``, arrêtez si la taille du pas
    ``|w_new - w|`` est inférieure strictement à ``tol`` (raison ``"tolerance"``) ; sinon arrêtez quand
    ``max_iter`` pas ont été faits (raison ``"max_iter"``). Si le pas numéro ``max_iter`` est aussi
    inférieur à ``tol``, la raison est ``"tolerance"`` : le critère de tolérance se teste après chaque pas,
    le dernier compris.

    Gradient descent that stops when a step is smaller than ``tol`` or after ``max_iter`` steps, and says
    which criterion stopped it.

    Inputs:
        w0: float, the start. lr: float > 0. a: float > 0. tol: float > 0. max_iter: int >= 1.
    Returns:
        (path, reason): path the list of floats ``[w0, w1, ..., w_k]`` of every iterate (``k`` steps,
        ``1 <= k <= max_iter``); reason the string "tolerance" or "max_iter".
    """
    path = [float(w0)]
    for _ in range(max_iter):
        w = path[-1]
        w_new = w - lr * a * (w - 3.0)
        path.append(w_new)
        if abs(w_new - w) < tol:
            return path, "tolerance"
    return path, "max_iter"

"""Mistake: dC/dw = w - 3, the factor 2 is lost."""

from __future__ import annotations


def cost_grad(w: float) -> float:
    """Dérivée de la fonction de coût ``C(w) = (w - 3)^2`` : ``dC/dw = 2 (w - 3)`` (section 3.1.2).

    Derivative of ``C(w) = (w - 3)^2``.

    Inputs:
        w: float.
    Returns:
        dC/dw: float.
    """
    return w - 3.0


def gradient_descent_step(w: float, lr: float) -> float:
    """Utilisez la méthode de la descente de gradient avec un taux d'apprentissage ``alpha`` pour mettre à
    jour le poids ``w`` : ``w_nouveau = w - alpha dC/dw`` (section 3.1.1).

    One gradient-descent step on ``C(w) = (w - 3)^2``.

    Inputs:
        w: float, the current weight.
        lr: float, the learning rate alpha.
    Returns:
        the new weight: float.
    """
    return w - lr * cost_grad(w)


def gradient_descent(w0: float, lr: float, n_steps: int) -> list[float]:
    """Répétez la mise à jour ``n_steps`` fois en partant de ``w0`` (section 3.1, étapes (a) à (d)).

    Run ``n_steps`` gradient-descent steps on ``C(w) = (w - 3)^2`` from ``w0``.

    Inputs:
        w0: float, the starting weight.
        lr: float, the learning rate.
        n_steps: int >= 0.
    Returns:
        list of ``n_steps + 1`` floats: ``[w0, w1, ..., w_n]``.
    """
    path = [float(w0)]
    for _ in range(n_steps):
        path.append(gradient_descent_step(path[-1], lr))
    return path

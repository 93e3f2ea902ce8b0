"""Mistake: the cost forgets the factor 1/2."""

from __future__ import annotations

import numpy as np


def quadratic_cost(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Soit une fonction de coût quadratique simple ``C = 1/2 (y_prédit - y_réel)^2`` (section 2.3.5).
    Pour un vecteur de sorties, ``C = 1/2 sum_k (y_prédit_k - y_réel_k)^2``.

    Quadratic cost of one sample: half the squared Euclidean distance between prediction and target.

    Inputs:
        y_pred: float or array of shape (k,).
        y_true: float or array of the same shape.
    Returns:
        C: float.
    """
    d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)
    return float(np.sum(d**2))


def quadratic_cost_grad(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Calculez la dérivée de la fonction de coût par rapport à ``y_prédit``, c'est-à-dire
    ``dC/dy_prédit = y_prédit - y_réel``, pour l'étape de rétropropagation (section 2.3.5).

    Derivative of the quadratic cost with respect to the prediction.

    Inputs:
        y_pred: float or array of shape (k,).
        y_true: float or array of the same shape.
    Returns:
        float64 array of the same shape as ``y_pred`` (a 0-d array or float for scalar inputs).
    """
    return np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)

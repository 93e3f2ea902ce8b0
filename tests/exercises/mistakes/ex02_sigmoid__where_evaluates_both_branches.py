"""Mistake: np.where picks the stable branch but computes exp(-z) and exp(z) everywhere."""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Soit une fonction d'activation sigmoïde définie par ``sigma(z) = 1 / (1 + e^{-z})``.
    Calculez ``sigma(z)`` (section 1.3.4), sans dépassement de capacité pour ``|z|`` grand : les
    vérifications font d'un dépassement dans ``exp`` une erreur.

    Logistic sigmoid, element-wise, numerically stable: use ``exp(z) / (1 + exp(z))`` for ``z < 0`` so that
    ``exp`` never overflows (``sigmoid(-1000)`` is 0.0 without a warning; the checks turn an overflow into
    an error, and ``np.where`` computes both of its branches everywhere).

    Inputs:
        z: array of any shape (or a float).
    Returns:
        float64 array of the same shape as ``z``, values in [0, 1].
    """
    z = np.asarray(z, dtype=np.float64)
    return np.where(z >= 0.0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """Dérivée de la sigmoïde : ``sigma'(z) = sigma(z) (1 - sigma(z))`` (sections 1.3.4, 2.3.4).

    Derivative of the sigmoid with respect to its input ``z``, element-wise.

    Inputs:
        z: array of any shape (or a float), the pre-activation.
    Returns:
        float64 array of the same shape as ``z``.
    """
    s = sigmoid(z)
    return s * (1.0 - s)

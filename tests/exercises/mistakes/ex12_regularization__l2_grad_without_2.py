"""Mistake: the L2 gradient adds lambda w instead of 2 lambda w."""

from __future__ import annotations

import numpy as np


def l2_penalty(weights: list[np.ndarray], lam: float) -> float:
    """Pénalité L2 (section 3.4.1, éq. 3.5) : le terme ``lambda sum_i w_i^2`` ajouté à la perte,
    sommé sur tous les tableaux de poids.

    The L2 penalty over every weight array.

    Inputs:
        weights: list of arrays of any shapes.
        lam: float, lambda.
    Returns:
        float.
    """
    return lam * sum(float(np.sum(np.asarray(w, dtype=np.float64) ** 2)) for w in weights)


def l2_grad(dw: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray:
    """Gradient de la perte totale ``L_original + lambda sum w^2`` : ``dw + 2 lambda w`` (éq. 3.5).

    Gradient with the L2 penalty added; returns a new array.

    Inputs:
        dw: array, the gradient of the original loss. w: array of the same shape. lam: float.
    Returns:
        float64 array of the shape of ``w``.
    """
    return np.asarray(dw, dtype=np.float64) + lam * np.asarray(w, dtype=np.float64)


def dropout_forward(h: np.ndarray, p: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Dropout (section 3.4.2, éq. 3.6) avec probabilité de conservation ``p`` : chaque activation vaut
    ``0`` avec probabilité ``1 - p`` et ``h / p`` avec probabilité ``p``. Le masque se tire EXACTEMENT ainsi :
    ``mask = np.random.default_rng(seed).random(h.shape) < p``.

    Inverted dropout with keep probability ``p``. Draw the mask exactly as
    ``mask = np.random.default_rng(seed).random(h.shape) < p`` so that the result is reproducible.

    Inputs:
        h: array of any shape, the activations. p: float in (0, 1], keep probability. seed: int.
    Returns:
        (out, mask): out float64 of the shape of ``h``; mask bool of the same shape.
    """
    h = np.asarray(h, dtype=np.float64)
    mask = np.random.default_rng(seed).random(h.shape) < p
    return h * mask / p, mask


def dropout_backward(dout: np.ndarray, mask: np.ndarray, p: float) -> np.ndarray:
    """Rétropropagation du dropout : le gradient passe par les neurones conservés, multiplié par ``1 / p``.

    Backward pass of inverted dropout.

    Inputs:
        dout: array, the upstream gradient. mask: bool array of the same shape. p: float.
    Returns:
        float64 array of the shape of ``dout``.
    """
    return np.asarray(dout, dtype=np.float64) * np.asarray(mask, dtype=np.float64) / p

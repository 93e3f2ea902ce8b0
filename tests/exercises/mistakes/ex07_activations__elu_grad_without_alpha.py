"""Mistake: elu_grad forgets alpha for z <= 0 (returns e^z)."""

from __future__ import annotations

import numpy as np


def tanh(z: np.ndarray) -> np.ndarray:
    """tanh : normalise les entrées entre -1 et 1 (section 1.3.2),
    ``tanh(z) = (e^z - e^{-z}) / (e^z + e^{-z})``.

    Hyperbolic tangent, element-wise.

    Inputs:
        z: array of any shape.
    Returns:
        float64 array of the same shape, values in [-1, 1].
    """
    return np.tanh(np.asarray(z, dtype=np.float64))


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """Dérivée de tanh : ``1 - tanh(z)^2``.

    Derivative of tanh with respect to ``z``, element-wise.

    Inputs:
        z: array of any shape.
    Returns:
        float64 array of the same shape.
    """
    t = np.tanh(np.asarray(z, dtype=np.float64))
    return 1.0 - t * t


def relu(z: np.ndarray) -> np.ndarray:
    """ReLU : transmet les valeurs positives et bloque les négatives, ``relu(z) = max(0, z)`` (section 1.3.2).

    Rectified linear unit, element-wise.

    Inputs:
        z: array of any shape.
    Returns:
        float64 array of the same shape.
    """
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0.0, z, 0.0)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """Dérivée de ReLU : ``1 si z > 0, sinon 0`` (on prend 0 en z = 0).

    Derivative of ReLU, element-wise; 0 at ``z = 0``.

    Inputs:
        z: array of any shape.
    Returns:
        float64 array of the same shape, values 0.0 or 1.0.
    """
    return np.where(np.asarray(z, dtype=np.float64) > 0.0, 1.0, 0.0)


def leaky_relu(z: np.ndarray, alpha: float) -> np.ndarray:
    """Leaky ReLU (section 1.3.3) : ``z si z > 0, sinon alpha z``.

    Leaky ReLU with slope ``alpha`` for negative inputs, element-wise.

    Inputs:
        z: array of any shape.
        alpha: float, the negative slope.
    Returns:
        float64 array of the same shape.
    """
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0.0, z, alpha * z)


def leaky_relu_grad(z: np.ndarray, alpha: float) -> np.ndarray:
    """Dérivée de Leaky ReLU : ``1 si z > 0, sinon alpha``.

    Derivative of Leaky ReLU, element-wise; ``alpha`` at ``z = 0``.

    Inputs:
        z: array of any shape.
        alpha: float.
    Returns:
        float64 array of the same shape.
    """
    return np.where(np.asarray(z, dtype=np.float64) > 0.0, 1.0, alpha)


def elu(z: np.ndarray, alpha: float) -> np.ndarray:
    """ELU (section 1.3.3) : ``z si z > 0, sinon alpha (e^z - 1)``.

    Exponential linear unit, element-wise (use ``np.expm1`` for accuracy near 0).

    Inputs:
        z: array of any shape.
        alpha: float.
    Returns:
        float64 array of the same shape.
    """
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0.0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def elu_grad(z: np.ndarray, alpha: float) -> np.ndarray:
    """Dérivée de ELU : ``1 si z > 0, sinon alpha e^z``.

    Derivative of ELU, element-wise.

    Inputs:
        z: array of any shape.
        alpha: float.
    Returns:
        float64 array of the same shape.
    """
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0.0, 1.0, np.exp(np.minimum(z, 0.0)))


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax (section 1.3.3), utilisée en dernière couche pour la classification multi-classes :
    ``softmax(z)_k = e^{z_k} / sum_j e^{z_j}`` sur chaque ligne, calculée de façon stable (soustraire le max).

    Row-wise softmax, numerically stable (subtract each row's maximum before ``exp``).

    Inputs:
        z: array of shape (batch, classes).
    Returns:
        float64 array of shape (batch, classes); each row is positive and sums to 1.
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    """Dérivée de la softmax pour un vecteur : ``d s_i / d z_j = s_i (delta_ij - s_j)``.

    Jacobian of the softmax of one vector.

    Inputs:
        z: array of shape (classes,).
    Returns:
        float64 array of shape (classes, classes), entry ``[i, j] = d softmax_i / d z_j``.
    """
    s = softmax(np.asarray(z, dtype=np.float64)[None, :])[0]
    return np.diag(s) - np.outer(s, s)

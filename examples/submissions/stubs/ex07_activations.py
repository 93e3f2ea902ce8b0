# Generated from solutions/ex07_activations.py by grader/make_stubs.py: do not edit.
# ruff: noqa: F401, RUF100
"""Exercise 7: activation functions beyond the sigmoid and their derivatives (report sections 1.3.2, 1.3.3).

Every derivative takes the pre-activation ``z`` (not the activation) and is element-wise.
"""

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
    raise NotImplementedError


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """Dérivée de tanh : ``1 - tanh(z)^2``.

    Derivative of tanh with respect to ``z``, element-wise.

    Inputs:
        z: array of any shape.
    Returns:
        float64 array of the same shape.
    """
    raise NotImplementedError


def relu(z: np.ndarray) -> np.ndarray:
    """ReLU : transmet les valeurs positives et bloque les négatives, ``relu(z) = max(0, z)`` (section 1.3.2).

    Rectified linear unit, element-wise.

    Inputs:
        z: array of any shape.
    Returns:
        float64 array of the same shape.
    """
    raise NotImplementedError


def relu_grad(z: np.ndarray) -> np.ndarray:
    """Dérivée de ReLU : ``1 si z > 0, sinon 0`` (on prend 0 en z = 0).

    Derivative of ReLU, element-wise; 0 at ``z = 0``.

    Inputs:
        z: array of any shape.
    Returns:
        float64 array of the same shape, values 0.0 or 1.0.
    """
    raise NotImplementedError


def leaky_relu(z: np.ndarray, alpha: float) -> np.ndarray:
    """Leaky ReLU (section 1.3.3) : ``z si z > 0, sinon alpha z``.

    Leaky ReLU with slope ``alpha`` for negative inputs, element-wise.

    Inputs:
        z: array of any shape.
        alpha: float, the negative slope.
    Returns:
        float64 array of the same shape.
    """
    raise NotImplementedError


def leaky_relu_grad(z: np.ndarray, alpha: float) -> np.ndarray:
    """Dérivée de Leaky ReLU : ``1 si z > 0, sinon alpha``.

    Derivative of Leaky ReLU, element-wise; ``alpha`` at ``z = 0``.

    Inputs:
        z: array of any shape.
        alpha: float.
    Returns:
        float64 array of the same shape.
    """
    raise NotImplementedError


def elu(z: np.ndarray, alpha: float) -> np.ndarray:
    """ELU (section 1.3.3) : ``z si z > 0, sinon alpha (e^z - 1)``.

    Exponential linear unit, element-wise (use ``np.expm1`` for accuracy near 0).

    Inputs:
        z: array of any shape.
        alpha: float.
    Returns:
        float64 array of the same shape.
    """
    raise NotImplementedError


def elu_grad(z: np.ndarray, alpha: float) -> np.ndarray:
    """Dérivée de ELU : ``1 si z > 0, sinon alpha e^z``.

    Derivative of ELU, element-wise.

    Inputs:
        z: array of any shape.
        alpha: float.
    Returns:
        float64 array of the same shape.
    """
    raise NotImplementedError


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax (section 1.3.3), utilisée en dernière couche pour la classification multi-classes :
    ``softmax(z)_k = e^{z_k} / sum_j e^{z_j}`` sur chaque ligne, calculée de façon stable (soustraire le max).

    Row-wise softmax, numerically stable (subtract each row's maximum before ``exp``).

    Inputs:
        z: array of shape (batch, classes).
    Returns:
        float64 array of shape (batch, classes); each row is positive and sums to 1.
    """
    raise NotImplementedError


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    """Dérivée de la softmax pour un vecteur : ``d s_i / d z_j = s_i (delta_ij - s_j)``.

    Jacobian of the softmax of one vector.

    Inputs:
        z: array of shape (classes,).
    Returns:
        float64 array of shape (classes, classes), entry ``[i, j] = d softmax_i / d z_j``.
    """
    raise NotImplementedError

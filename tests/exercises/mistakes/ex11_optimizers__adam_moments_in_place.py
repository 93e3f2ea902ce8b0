"""Mistake: adam_step updates m and v in place (m *= beta1 ...), modifying its arguments."""

from __future__ import annotations

import numpy as np


def sgd_step(w: np.ndarray, dw: np.ndarray, lr: float) -> np.ndarray:
    """Descente de gradient / SGD (sections 3.1, 3.2.2) : ``theta_{t+1} = theta_t - eta grad J``.

    One (stochastic) gradient-descent step.

    Inputs:
        w, dw: arrays of the same shape (parameters, gradient).
        lr: float, eta.
    Returns:
        new_w: float64 array of the shape of ``w``.
    """
    return w - lr * dw


def momentum_step(
    w: np.ndarray, dw: np.ndarray, v: np.ndarray, lr: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Descente de gradient avec momentum (section 3.2.3, éq. 3.1-3.2) :
    ``v_t = beta v_{t-1} + (1 - beta) grad J``,
    ``theta_{t+1} = theta_t - eta v_t``.

    One gradient-descent step with momentum.

    Inputs:
        w, dw, v: arrays of the same shape (parameters, gradient, velocity).
        lr: float, eta. beta: float, the momentum coefficient.
    Returns:
        (new_w, new_v): float64 arrays of the shape of ``w``.
    """
    v = beta * v + (1.0 - beta) * dw
    return w - lr * v, v


def nesterov_lookahead(w: np.ndarray, v: np.ndarray, lr: float, beta: float) -> np.ndarray:
    """Nesterov, étape (a) (section 3.2.4, éq. 3.3) : le point anticipé ``theta_t - eta beta v_{t-1}``,
    où le gradient sera évalué.

    The look-ahead point of Nesterov's method, where the caller evaluates the gradient.

    Inputs:
        w, v: arrays of the same shape (parameters, velocity).
        lr: float, eta. beta: float.
    Returns:
        w_ahead: float64 array of the shape of ``w``.
    """
    return w - lr * beta * v


def nesterov_step(
    w: np.ndarray, g_ahead: np.ndarray, v: np.ndarray, lr: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov, étape (b) (section 3.2.4, éq. 3.3-3.4), mise à jour avec le gradient au point anticipé :
    ``v_t = beta v_{t-1} + (1 - beta) grad J(theta_t - eta beta v_{t-1})``,
    ``theta_{t+1} = theta_t - eta v_t``.

    Nesterov update, given ``g_ahead``, the gradient at the look-ahead point.

    Inputs:
        w, g_ahead, v: arrays of the same shape.
        lr: float, eta. beta: float.
    Returns:
        (new_w, new_v): float64 arrays of the shape of ``w``.
    """
    v = beta * v + (1.0 - beta) * g_ahead
    return w - lr * v, v


def adagrad_step(
    w: np.ndarray, dw: np.ndarray, G: np.ndarray, lr: float, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Adagrad (section 3.2.5) :
    ``G_t = G_{t-1} + g_t^2`` (somme des carrés des gradients),
    ``theta_{t+1} = theta_t - eta / sqrt(G_t + eps) g_t``.

    One Adagrad step, ``eps`` inside the square root.

    Inputs:
        w, dw, G: arrays of the same shape (parameters, gradient, accumulated squares).
        lr: float, eta. eps: float.
    Returns:
        (new_w, new_G): float64 arrays of the shape of ``w``.
    """
    G = G + dw * dw
    return w - lr * dw / np.sqrt(G + eps), G


def rmsprop_step(
    w: np.ndarray, dw: np.ndarray, E: np.ndarray, lr: float, beta: float, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """RMSprop (section 3.2.6), moyenne mobile du carré des gradients :
    ``E[g^2]_t = beta E[g^2]_{t-1} + (1 - beta) g_t^2``,
    ``theta_{t+1} = theta_t - eta / sqrt(E[g^2]_t + eps) g_t``.

    One RMSprop step, ``eps`` inside the square root.

    Inputs:
        w, dw, E: arrays of the same shape (parameters, gradient, moving average of g^2).
        lr: float, eta. beta: float, the decay. eps: float.
    Returns:
        (new_w, new_E): float64 arrays of the shape of ``w``.
    """
    E = beta * E + (1.0 - beta) * dw * dw
    return w - lr * dw / np.sqrt(E + eps), E


def adam_step(
    w: np.ndarray,
    dw: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adam (section 3.2.7) : ``m_t = beta1 m_{t-1} + (1 - beta1) g_t``,
    ``v_t = beta2 v_{t-1} + (1 - beta2) g_t^2``, moments corrigés du biais
    ``m_hat = m_t / (1 - beta1^t)``, ``v_hat = v_t / (1 - beta2^t)``, puis
    ``theta_{t+1} = theta_t - eta m_hat / (sqrt(v_hat) + eps)``.

    One Adam step with bias correction; ``t`` is the number of this step (1 for the first).

    Inputs:
        w, dw, m, v: arrays of the same shape (parameters, gradient, first and second moments).
        t: int >= 1. lr: float. beta1, beta2: floats in [0, 1). eps: float.
    Returns:
        (new_w, new_m, new_v): float64 arrays of the shape of ``w``.
    """
    m *= beta1
    m += (1.0 - beta1) * dw
    v *= beta2
    v += (1.0 - beta2) * dw * dw
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

"""Mistake: the backward pass applies the mask but forgets the factor 1/p."""

from __future__ import annotations

import numpy as np


def forward_train(
    X: np.ndarray, Ws: list[np.ndarray], bs: list[np.ndarray], masks: list[np.ndarray], p: float
) -> np.ndarray:
    """Forward pass d'entraînement avec dropout (section 3.4.2, éq. 3.6) : pour chaque couche cachée ``l``,
    ``a_l = tanh(a_{l-1} W_l^T + b_l) * masks[l] / p`` ; la couche de sortie ``a_{L-1} W_L^T + b_L`` est
    linéaire et sans dropout.

    Training forward pass with inverted dropout on the hidden layers (keep probability ``p``).

    Inputs:
        X: array of shape (batch, n_0). Ws, bs: lists of L arrays, as in exercise 10.
        masks: list of L - 1 bool arrays, ``masks[l]`` of shape (batch, n_{l+1}). p: float in (0, 1].
    Returns:
        y_hat: float64 array of shape (batch, n_L).
    """
    a = np.asarray(X, dtype=np.float64)
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        z = a @ np.asarray(W, dtype=np.float64).T + b
        a = z if layer == len(Ws) - 1 else np.tanh(z) * masks[layer] / p
    return a


def forward_eval(X: np.ndarray, Ws: list[np.ndarray], bs: list[np.ndarray]) -> np.ndarray:
    """Forward pass d'évaluation : pas de dropout et, le dropout étant inversé, pas de mise à l'échelle non
    plus (les neurones gardés ont déjà été divisés par ``p`` pendant l'entraînement).

    Evaluation forward pass: no dropout and no scaling.

    Inputs:
        X: array of shape (batch, n_0). Ws, bs: as in ``forward_train``.
    Returns:
        y_hat: float64 array of shape (batch, n_L).
    """
    a = np.asarray(X, dtype=np.float64)
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        z = a @ np.asarray(W, dtype=np.float64).T + b
        a = z if layer == len(Ws) - 1 else np.tanh(z)
    return a


def train_step_dropout(
    X: np.ndarray,
    Y: np.ndarray,
    Ws: list[np.ndarray],
    bs: list[np.ndarray],
    masks: list[np.ndarray],
    p: float,
    lr: float,
) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """Un pas de descente de gradient avec dropout : forward pass d'entraînement avec les masques donnés,
    coût ``J = 1/batch sum 1/2 ||y_hat - y||^2``, rétropropagation (section 2.3.4) à travers le dropout
    (le gradient d'une couche cachée est multiplié par ``masks[l] / p`` avant la dérivée de tanh,
    ``1 - h^2`` où ``h`` est la sortie de tanh avant le dropout), puis ``W <- W - lr dJ/dW`` et
    ``b <- b - lr dJ/db`` pour toutes les couches. Renvoyez de nouveaux tableaux, sans modifier les
    arguments.

    One gradient-descent step of the network with dropout on the given masks.

    Inputs:
        X: (batch, n_0) array. Y: (batch, n_L) array. Ws, bs, masks, p: as in ``forward_train``.
        lr: float, the learning rate.
    Returns:
        (new_Ws, new_bs, J): the updated weights and biases (new float64 arrays, shapes of Ws and bs) and
        the cost J (float) of the forward pass with dropout, before the update.
    """
    Ws, bs = ([np.asarray(v, dtype=np.float64) for v in group] for group in (Ws, bs))
    a = np.asarray(X, dtype=np.float64)
    inputs, hidden = [], []
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        inputs.append(a)
        z = a @ W.T + b
        if layer == len(Ws) - 1:
            a = z
        else:
            hidden.append(np.tanh(z))
            a = hidden[-1] * masks[layer] / p
    batch = a.shape[0]
    diff = a - np.asarray(Y, dtype=np.float64)
    J = 0.5 * float(np.sum(diff * diff)) / batch
    delta = diff / batch
    new_Ws, new_bs = list(Ws), list(bs)
    for layer in range(len(Ws) - 1, -1, -1):
        new_Ws[layer] = Ws[layer] - lr * delta.T @ inputs[layer]
        new_bs[layer] = bs[layer] - lr * delta.sum(axis=0)
        if layer > 0:
            h = hidden[layer - 1]
            delta = (delta @ Ws[layer]) * masks[layer - 1] * (1.0 - h * h)
    return new_Ws, new_bs, J

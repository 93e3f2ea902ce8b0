"""Exercise 10: forward and backward pass of a whole multi-layer perceptron (report sections 2.3.1-2.3.4).

The network: hidden layers ``a_l = tanh(a_{l-1} W_l^T + b_l)``, a linear output layer
``y_hat = a_{L-1} W_L^T + b_L``, and the quadratic cost averaged over the batch,
``J = 1/batch sum_i 1/2 ||y_hat_i - y_i||^2``. Shapes: ``X`` is ``(batch, n_0)``, ``Ws[l]`` is
``(n_out, n_in)`` and ``bs[l]`` is ``(n_out,)`` for each layer, as in exercise 8.
"""

from __future__ import annotations

import numpy as np


def mlp_forward(X: np.ndarray, Ws: list[np.ndarray], bs: list[np.ndarray]) -> np.ndarray:
    """Forward pass du réseau (section 2.3.1) : couches cachées tanh, couche de sortie linéaire.

    Forward pass: tanh on every hidden layer, identity on the last one.

    Inputs:
        X: array of shape (batch, n_0).
        Ws: list of L arrays, ``Ws[l]`` of shape (n_{l+1}, n_l).
        bs: list of L arrays, ``bs[l]`` of shape (n_{l+1},).
    Returns:
        y_hat: float64 array of shape (batch, n_L).
    """
    a = np.asarray(X, dtype=np.float64)
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        z = a @ np.asarray(W, dtype=np.float64).T + b
        a = z if layer == len(Ws) - 1 else np.tanh(z)
    return a


def mlp_loss_and_grads(
    X: np.ndarray, Y: np.ndarray, Ws: list[np.ndarray], bs: list[np.ndarray]
) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """Coût quadratique moyen et ses gradients par rétropropagation (section 2.3.4) :
    ``delta_L = (y_hat - y) / batch``, ``dJ/dW_l = delta_l a_{l-1}^T``,
    ``delta_{l-1} = (delta_l W_l) * tanh'(z_{l-1})``.

    Mean quadratic cost of the batch and its gradient with respect to every weight and bias.

    Inputs:
        X: array of shape (batch, n_0).
        Y: array of shape (batch, n_L).
        Ws, bs: as in ``mlp_forward``.
    Returns:
        (J, dWs, dbs): J a float; dWs and dbs lists shaped like Ws and bs.
    """
    activations = [np.asarray(X, dtype=np.float64)]
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        z = activations[-1] @ np.asarray(W, dtype=np.float64).T + b
        activations.append(z if layer == len(Ws) - 1 else np.tanh(z))
    batch = activations[0].shape[0]
    diff = activations[-1] - np.asarray(Y, dtype=np.float64)
    J = 0.5 * float(np.sum(diff * diff)) / batch
    delta = diff / batch
    dWs: list[np.ndarray] = [np.empty(0)] * len(Ws)
    dbs: list[np.ndarray] = [np.empty(0)] * len(Ws)
    for layer in range(len(Ws) - 1, -1, -1):
        a_prev = activations[layer]
        dWs[layer] = delta.T @ a_prev
        dbs[layer] = delta.sum(axis=0)
        if layer > 0:
            delta = (delta @ np.asarray(Ws[layer], dtype=np.float64)) * (1.0 - a_prev * a_prev)
    return J, dWs, dbs

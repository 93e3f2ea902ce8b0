"""Exercise 15: representation transfer, or feature extraction (report sections 3.6 and 3.6.2, type 3):
reuse the frozen hidden layers of a network trained on digits 0-4 and train only a new output layer on
digits 5-9. (Fine-tuning, which trains every layer on, is exercise 22.)

The pretrained network has tanh hidden layers and a linear output layer (softmax in the loss):
``Ws[l]`` of shape (n_out, n_in), ``bs[l]`` of shape (n_out,), as in exercise 8.

Goal: the fine-tuned network reaches at least 85% accuracy on held-out images of digits 5-9. The
held-out images of the accuracy checks are not rows of the public digits
(``grader.datasets.heldout_digits``).
"""

from __future__ import annotations

import numpy as np


def hidden_features(Ws: list[np.ndarray], bs: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Transfert de représentation (section 3.6.2) : les activations de la dernière couche cachée,
    ``a = tanh(... tanh(X W_1^T + b_1) ...)`` pour toutes les couches sauf la dernière.

    The representation computed by every layer but the last (tanh layers).

    Inputs:
        Ws, bs: lists of L arrays, the pretrained network. X: array of shape (n, n_0).
    Returns:
        float64 array of shape (n, n_{L-1}).
    """
    a = np.asarray(X, dtype=np.float64)
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        a = np.tanh(a @ np.asarray(W, dtype=np.float64).T + b)
    return a


def fine_tune_output(
    Ws: list[np.ndarray], bs: list[np.ndarray], X: np.ndarray, y: np.ndarray, n_classes: int, seed: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Transfert de représentation (section 3.6.2) : gardez les couches cachées GELÉES (inchangées),
    remplacez la couche de sortie par une nouvelle couche à ``n_classes`` sorties et entraînez-la seule
    (softmax + entropie croisée) sur ``(X, y)``.

    Keep the hidden layers frozen, replace the output layer by a new one with ``n_classes`` outputs and
    train only that layer (softmax cross-entropy) on ``(X, y)``. Do not modify the arrays you receive.

    Inputs:
        Ws, bs: the pretrained network (lists of L arrays). X: (n, n_0). y: int array (n,), labels
        0 .. n_classes-1. n_classes: int. seed: int, for the new layer's initialisation.
    Returns:
        (new_Ws, new_bs): lists of L arrays; the first L-1 equal to the inputs, the last of shapes
        (n_classes, n_{L-1}) and (n_classes,).
    """
    rng = np.random.default_rng(seed)
    F = hidden_features(Ws, bs, X)
    Y = np.eye(n_classes)[np.asarray(y)]
    W = rng.normal(0.0, 0.01, (n_classes, F.shape[1]))
    b = np.zeros(n_classes)
    for _ in range(300):
        z = F @ W.T + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        delta = (p - Y) / len(F)
        W = W - 1.0 * delta.T @ F
        b = b - 1.0 * delta.sum(axis=0)
    return [np.array(w) for w in Ws[:-1]] + [W], [np.array(c) for c in bs[:-1]] + [b]

"""Mistake: each layer is updated as soon as its gradient is known, so the next delta uses the new weights."""

from __future__ import annotations

import math

import numpy as np

LR = 0.5
"""Learning rate of the new output layer, and of every layer trained from scratch."""
FINE_TUNE_FACTOR = 0.1
"""Fine-tuning trains the pretrained layers with ``FINE_TUNE_FACTOR * LR``."""
EPOCHS = 200
"""Full-batch gradient steps of every kind of transfer."""


def train_layers(
    Ws: list[np.ndarray],
    bs: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    lrs: list[float],
    epochs: int,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Descente de gradient par couche (sections 3.1 et 3.6.2) : ``epochs`` pas sur toute la base de
    l'entropie croisée moyenne du softmax du réseau (couches cachées tanh, sortie linéaire), la couche
    ``l`` avec son propre pas ``lrs[l]`` : ``W_l <- W_l - lrs[l] dC/dW_l`` (de même pour ``b_l``). Une
    couche de pas 0 est gelée : elle ressort inchangée. Tous les gradients d'un pas sont calculés avant de
    modifier une couche. Ne modifiez pas les tableaux reçus.

    Full-batch gradient descent on the mean softmax cross-entropy with one learning rate per layer
    (``lrs[l]``; 0 freezes the layer); every gradient of a step is computed before any layer changes.
    Do not modify the arrays you receive.

    Inputs:
        Ws, bs: lists of L arrays. X: (n, n_0). y: int array (n,), labels 0 .. n_L - 1.
        lrs: list of L floats. epochs: int >= 0.
    Returns:
        (new_Ws, new_bs): lists of L new float64 arrays of the same shapes.
    """
    Ws = [np.asarray(W, dtype=np.float64).copy() for W in Ws]
    bs = [np.asarray(b, dtype=np.float64).copy() for b in bs]
    X = np.asarray(X, dtype=np.float64)
    Y = np.eye(Ws[-1].shape[0])[np.asarray(y)]
    for _ in range(epochs):
        acts = [X]
        for W, b in zip(Ws[:-1], bs[:-1], strict=True):
            acts.append(np.tanh(acts[-1] @ W.T + b))
        z = acts[-1] @ Ws[-1].T + bs[-1]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        delta = (p - Y) / len(X)
        for layer in range(len(Ws) - 1, -1, -1):
            dW, db = delta.T @ acts[layer], delta.sum(axis=0)
            Ws[layer] = Ws[layer] - lrs[layer] * dW
            bs[layer] = bs[layer] - lrs[layer] * db
            if layer > 0:
                delta = (delta @ Ws[layer]) * (1.0 - acts[layer] ** 2)
    return Ws, bs


def transfer(
    Ws: list[np.ndarray],
    bs: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    kind: str,
    seed: int,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Types de transfert (section 3.6.2), avec ``rng = np.random.default_rng(seed)`` : une nouvelle couche
    de sortie ``W = rng.normal(0, 1 / sqrt(n_in), (n_classes, n_in))``, ``b = 0`` ; puis
    ``train_layers(..., epochs=EPOCHS)`` avec les pas suivants, selon ``kind`` :

    * ``"feature_extraction"`` (transfert de représentation) : couches cachées pré-entraînées gelées
      (pas 0), sortie au pas ``LR`` ;
    * ``"fine_tuning"`` : couches cachées pré-entraînées au pas réduit ``FINE_TUNE_FACTOR * LR``, sortie
      au pas ``LR`` ;
    * ``"scratch"`` (sans transfert) : AVANT la couche de sortie, chaque couche cachée, dans l'ordre, est
      remplacée par ``rng.normal(0, 1 / sqrt(n_in), (n_out, n_in))`` et un biais nul ; tout au pas ``LR``.

    Adapt the pretrained network ``(Ws, bs)`` to ``n_classes`` classes with ``(X, y)``: a new output layer
    drawn as written above, then ``train_layers`` for ``EPOCHS`` steps with the learning rates of ``kind``
    (for ``"scratch"``, the hidden layers are drawn anew, in order, before the output layer).

    Inputs:
        Ws, bs: the pretrained network (lists of L arrays). X: (n, n_0). y: int array (n,), labels
        0 .. n_classes-1. n_classes: int. kind: ``"feature_extraction"``, ``"fine_tuning"`` or
        ``"scratch"``. seed: int.
    Returns:
        (new_Ws, new_bs): lists of L float64 arrays, the last of shapes (n_classes, n_{L-1}) and
        (n_classes,).
    """
    rng = np.random.default_rng(seed)
    hidden_W = [np.array(W, dtype=np.float64) for W in Ws[:-1]]
    hidden_b = [np.array(b, dtype=np.float64) for b in bs[:-1]]
    if kind == "scratch":
        hidden_W = [rng.normal(0.0, 1.0 / math.sqrt(W.shape[1]), W.shape) for W in hidden_W]
        hidden_b = [np.zeros(len(b)) for b in hidden_b]
    n_in = hidden_W[-1].shape[0] if hidden_W else np.asarray(X).shape[1]
    head_W = rng.normal(0.0, 1.0 / math.sqrt(n_in), (n_classes, n_in))
    hidden_lr = {"feature_extraction": 0.0, "fine_tuning": FINE_TUNE_FACTOR * LR, "scratch": LR}[kind]
    lrs = [hidden_lr] * len(hidden_W) + [LR]
    return train_layers([*hidden_W, head_W], [*hidden_b, np.zeros(n_classes)], X, y, lrs, EPOCHS)

"""Data sets of the training exercises, built on the trusted side (parent) from a seeded generator.

``digits_split`` draws a train/test split of scikit-learn's digits (pixels scaled to [0, 1]);
``pretrain_digits`` trains the source network of the transfer-learning exercise (report section 3.6) on
digits 0-4 with the course's Numba kernels (``kernels.mlp``, ``kernels.train``): one tanh hidden layer and
a linear output layer, softmax cross-entropy, minibatch SGD.
"""

from __future__ import annotations

from functools import cache

import numpy as np


@cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.data / 16.0, data.target.astype(np.int64)


def digits_split(
    rng: np.random.Generator, classes: tuple[int, ...] = tuple(range(10)), test_fraction: float = 0.25
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A random split ``(X_train, y_train, X_test, y_test)`` of the digits whose label is in ``classes``."""
    X, y = _digits()
    keep = np.flatnonzero(np.isin(y, classes))
    order = rng.permutation(keep)
    n_test = round(test_fraction * len(order))
    test, train = order[:n_test], order[n_test:]
    return X[train].copy(), y[train].copy(), X[test].copy(), y[test].copy()


def pretrain_digits(
    X: np.ndarray, y: np.ndarray, *, hidden: int, seed: int, epochs: int = 20
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Train a ``(64, hidden, n_classes)`` network, ``softmax(tanh(X W_1^T + b_1) W_2^T + b_2)``, on
    ``(X, y)`` with the course's kernels: ``kernels.mlp.MLP`` (weights ``N(0, 1/n_in)``, biases 0, drawn
    from ``seed``) trained by ``kernels.train.train`` with softmax cross-entropy and plain minibatch SGD
    (lr 0.1, batch 32, ``epochs`` epochs, shuffles seeded by ``seed``); report sections 2.3, 3.2.

    Returns ``(Ws, bs)``: float64 arrays, ``Ws[l]`` of shape (n_out, n_in), ``bs[l]`` of shape (n_out,),
    copies that share no memory."""
    from kernels.mlp import MLP
    from kernels.train import train

    n_classes = int(y.max()) + 1
    net = MLP([X.shape[1], hidden, n_classes], ["tanh", "identity"], seed=seed)
    train(
        net,
        np.ascontiguousarray(X, dtype=np.float64),
        np.asarray(y, dtype=np.int64),
        optimizer="sgd",
        hp={"lr": 0.1},
        epochs=epochs,
        batch_size=32,
        seed=seed,
        loss="softmax_cross_entropy",
    )
    return [W.copy() for W in net.W], [b.copy() for b in net.b]

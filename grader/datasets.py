"""Data sets of the training exercises, built on the trusted side (parent) from a seeded generator.

``digits_split`` draws a train/test split of scikit-learn's digits (pixels scaled to [0, 1]);
``heldout_digits`` turns the test rows into images that are no row of that public set (so that a
submission cannot look the labels up) but that a trained network still classifies; ``pretrain_digits``
trains the source network of the transfer-learning exercise (report section 3.6) on digits 0-4 with the
course's Numba kernels (``kernels.mlp``, ``kernels.train``): one tanh hidden layer and a linear output
layer, softmax cross-entropy, minibatch SGD.
"""

from __future__ import annotations

from functools import cache

import numpy as np

_PRETRAINED: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
"""Networks ``pretrain_digits`` trained in this process, by a digest of their data and settings."""


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


HELDOUT_MIX = (0.3, 0.7)
HELDOUT_SHIFT = 0.3
HELDOUT_GAIN = 0.15
HELDOUT_NOISE = 0.05


def heldout_digits(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Held-out images made from the digits ``(X, y)`` (rows of 64 pixels in [0, 1]) that a label lookup
    in the public data set cannot answer.

    Each image is ``lam * X[i] + (1 - lam) * X[j]`` with ``j != i`` another image of the same class in
    ``X`` and ``lam`` uniform in ``HELDOUT_MIX``; it is then translated by a sub-pixel amount uniform in
    ``[-HELDOUT_SHIFT, HELDOUT_SHIFT]`` along each axis (bilinear, zero outside the 8x8 frame), scaled by a
    gain uniform in ``1 +- HELDOUT_GAIN``, given Gaussian noise of standard deviation ``HELDOUT_NOISE`` and
    clipped to [0, 1]. No result equals or nearly equals a public row, and the row it was made from is not
    singled out: its nearest public rows are as often other images of its class, whose label is the same.
    The label of row ``i`` stays ``y[i]``. Returns a new float64 array of the shape of ``X``."""
    X = np.asarray(X, dtype=np.float64)
    n = len(X)
    lam = rng.uniform(*HELDOUT_MIX, (n, 1))
    mixed = lam * X + (1.0 - lam) * X[_same_class_partners(np.asarray(y), rng)]
    shifts = rng.uniform(-HELDOUT_SHIFT, HELDOUT_SHIFT, (n, 2))
    images = _translate(mixed.reshape(n, 8, 8), shifts).reshape(n, 64)
    images *= rng.uniform(1.0 - HELDOUT_GAIN, 1.0 + HELDOUT_GAIN, (n, 1))
    images += rng.normal(0.0, HELDOUT_NOISE, images.shape)
    return np.clip(images, 0.0, 1.0)


def _same_class_partners(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For every row, another row of the same class (itself only when it is alone in its class): a random
    cycle through each class, so that no row is its own partner."""
    partner = np.arange(len(y))
    for label in np.unique(y):
        cycle = rng.permutation(np.flatnonzero(y == label))
        partner[cycle] = np.roll(cycle, -1)
    return partner


def _translate(images: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Each ``(h, w)`` image moved by its ``(dy, dx)`` (fractions of a pixel allowed) with bilinear
    interpolation; what enters the frame from outside is 0."""
    n, h, w = images.shape
    padded = np.zeros((n, h + 2, w + 2))
    padded[:, 1:-1, 1:-1] = images
    rows = np.arange(h)[None, :] - shifts[:, :1]
    cols = np.arange(w)[None, :] - shifts[:, 1:]
    r0, c0 = np.floor(rows).astype(np.int64), np.floor(cols).astype(np.int64)
    fr, fc = (rows - r0)[:, :, None], (cols - c0)[:, None, :]
    r0, c0 = np.clip(r0 + 1, 0, h), np.clip(c0 + 1, 0, w)
    k = np.arange(n)[:, None, None]

    def at(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        return padded[k, r[:, :, None], c[:, None, :]]

    return (
        (1 - fr) * (1 - fc) * at(r0, c0)
        + (1 - fr) * fc * at(r0, c0 + 1)
        + fr * (1 - fc) * at(r0 + 1, c0)
        + fr * fc * at(r0 + 1, c0 + 1)
    )


def pretrain_digits(
    X: np.ndarray, y: np.ndarray, *, hidden: int, seed: int, epochs: int = 20
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Train a ``(64, hidden, n_classes)`` network, ``softmax(tanh(X W_1^T + b_1) W_2^T + b_2)``, on
    ``(X, y)`` with the course's kernels: ``kernels.mlp.MLP`` (weights ``N(0, 1/n_in)``, biases 0, drawn
    from ``seed``) trained by ``kernels.train.train`` with softmax cross-entropy and plain minibatch SGD
    (lr 0.1, batch 32, ``epochs`` epochs, shuffles seeded by ``seed``); report sections 2.3, 3.2.

    Returns ``(Ws, bs)``: float64 arrays, ``Ws[l]`` of shape (n_out, n_in), ``bs[l]`` of shape (n_out,),
    copies that share no memory. A network is trained once per process for the same data and settings
    (the public checks of every submission use the same ones)."""
    import hashlib

    from kernels.mlp import MLP
    from kernels.train import train

    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    digest = hashlib.sha256(X.tobytes() + b"|" + y.tobytes() + repr((X.shape, hidden, seed, epochs)).encode())
    key = digest.hexdigest()
    if key in _PRETRAINED:
        Ws, bs = _PRETRAINED[key]
        return [W.copy() for W in Ws], [b.copy() for b in bs]
    n_classes = int(y.max()) + 1
    net = MLP([X.shape[1], hidden, n_classes], ["tanh", "identity"], seed=seed)
    train(
        net,
        X,
        y,
        optimizer="sgd",
        hp={"lr": 0.1},
        epochs=epochs,
        batch_size=32,
        seed=seed,
        loss="softmax_cross_entropy",
    )
    if len(_PRETRAINED) >= 64:
        _PRETRAINED.clear()
    _PRETRAINED[key] = ([W.copy() for W in net.W], [b.copy() for b in net.b])
    return [W.copy() for W in net.W], [b.copy() for b in net.b]

"""Peers of the Numba MLP: the same network in NumPy and in PyTorch, and the data they learn.

All peers share one flat parameter layout (``kernels.cpu.mlp``: per layer ``W_l`` of shape
``(n_out, n_in)`` row-major, then ``b_l``), the same initial values and the same per-epoch permutations, so
that they take the same steps and reach the same accuracy up to float32 rounding. The network is the one of
the benchmark: ReLU hidden layers (1.3.2), a softmax output and the cross-entropy averaged over the batch,
trained by SGD (3.2.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numba import njit


@dataclass(frozen=True)
class Digits:
    """scikit-learn's 8x8 digits scaled to [0, 1], split 80/20 with a fixed seed."""

    X_train: np.ndarray
    Y_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_digits(seed: int = 0, dtype=np.float32) -> Digits:
    """The digits data set (1797 samples, 64 features, 10 classes) with one-hot targets."""
    from sklearn.datasets import load_digits as sk_load

    data = sk_load()
    X = (data.data / 16.0).astype(dtype)
    y = data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_train = int(0.8 * len(y))
    tr, te = order[:n_train], order[n_train:]
    Y = np.eye(10, dtype=dtype)[y]
    return Digits(
        np.ascontiguousarray(X[tr]), np.ascontiguousarray(Y[tr]), y[tr], np.ascontiguousarray(X[te]), y[te]
    )


def n_params(sizes: tuple[int, ...]) -> int:
    return sum(sizes[i + 1] * sizes[i] + sizes[i + 1] for i in range(len(sizes) - 1))


def layer_views(params: np.ndarray, sizes: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(W_l, b_l)`` views into a flat buffer laid out as ``kernels.cpu.mlp``."""
    views, off = [], 0
    for n_in, n_out in pairwise(sizes):
        W = params[off : off + n_out * n_in].reshape(n_out, n_in)
        off += n_out * n_in
        views.append((W, params[off : off + n_out]))
        off += n_out
    return views


def init_params(sizes: tuple[int, ...], seed: int, dtype=np.float32) -> np.ndarray:
    """He-uniform weights ``U(-sqrt(6/n_in), sqrt(6/n_in))`` and zero biases, in the flat layout."""
    rng = np.random.default_rng(seed)
    params = np.zeros(n_params(sizes), dtype=dtype)
    for W, _ in layer_views(params, sizes):
        bound = np.sqrt(6.0 / W.shape[1])
        W[:] = rng.uniform(-bound, bound, size=W.shape)
    return params


@njit(cache=True)
def _numba_permutation(n, seed):
    np.random.seed(seed)
    return np.random.permutation(n)


def permutations(n: int, epochs: int, seed: int) -> np.ndarray:
    """The sample order of each epoch, shared by every peer: ``(epochs, n)`` int64; epoch ``e`` is the
    permutation that ``kernels.train.train(..., epochs=1, seed=seed + e)`` draws (Numba's generator, which
    is not NumPy's), so the Numba peer trained one epoch per call sees the same batches."""
    return np.stack([_numba_permutation(n, seed + e) for e in range(epochs)]).astype(np.int64)


class NumpyMLP:
    """The benchmark network in NumPy: ``Z = A W^T + b``, ReLU, softmax cross-entropy, SGD."""

    def __init__(self, params: np.ndarray, sizes: tuple[int, ...]):
        self.params = params.copy()
        self.grads = np.zeros_like(self.params)
        self.sizes = sizes
        self.layers = layer_views(self.params, sizes)
        self.glayers = layer_views(self.grads, sizes)

    def forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        acts, zs = [X], []
        for i, (W, b) in enumerate(self.layers):
            z = acts[-1] @ W.T + b
            zs.append(z)
            acts.append(np.maximum(z, 0) if i < len(self.layers) - 1 else _softmax(z))
        return acts, zs

    def loss_and_grad(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Mean cross-entropy of the batch; fills ``grads`` (2.3.4 with the softmax-CE shortcut
        ``delta_L = (softmax(Z_L) - Y) / B``)."""
        acts, zs = self.forward(X)
        p = acts[-1]
        batch = X.shape[0]
        loss = float(-np.sum(Y * np.log(np.maximum(p, 1e-12))) / batch)
        delta = (p - Y) / np.float32(batch)
        for i in range(len(self.layers) - 1, -1, -1):
            W, _ = self.layers[i]
            dW, db = self.glayers[i]
            np.dot(delta.T, acts[i], out=dW)
            np.sum(delta, axis=0, out=db)
            if i > 0:
                delta = (delta @ W) * (zs[i - 1] > 0)
        return loss

    def epoch(self, X: np.ndarray, Y: np.ndarray, perm: np.ndarray, batch: int, lr: float) -> float:
        """One epoch of minibatch SGD in the order ``perm``; returns the mean of the batch losses weighted
        by batch size (as ``kernels.train``)."""
        total = 0.0
        for start in range(0, len(perm), batch):
            idx = perm[start : start + batch]
            total += self.loss_and_grad(X[idx], Y[idx]) * len(idx)
            self.params -= np.float32(lr) * self.grads
        return total / len(perm)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(np.argmax(self.forward(X)[0][-1], axis=1) == y))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class TorchMLP:
    """The benchmark network in PyTorch, written the idiomatic way (``nn.Sequential``, ``F.cross_entropy``,
    ``torch.optim.SGD``), initialised from the same flat buffer."""

    def __init__(self, torch, params: np.ndarray, sizes: tuple[int, ...], lr: float):
        nn = torch.nn
        mods = []
        for i, (W, b) in enumerate(layer_views(params, sizes)):
            lin = nn.Linear(W.shape[1], W.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W.copy()))
                lin.bias.copy_(torch.from_numpy(b.copy()))
            mods.append(lin)
            if i < len(sizes) - 2:
                mods.append(nn.ReLU())
        self.torch = torch
        self.model = nn.Sequential(*mods)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=lr)

    def epoch(self, X, y, perm, batch: int) -> float:
        """One epoch over torch tensors ``X`` (float32) and class indices ``y`` in the order ``perm``."""
        F = self.torch.nn.functional
        total = 0.0
        for start in range(0, len(perm), batch):
            idx = perm[start : start + batch]
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(X[idx]), y[idx])
            loss.backward()
            self.opt.step()
            total += loss.item() * len(idx)
        return total / len(perm)

    def accuracy(self, X, y) -> float:
        with self.torch.no_grad():
            return float((self.model(X).argmax(1) == y).float().mean())

"""Float64 references for the CUDA checks: the plain-Python rules of ``kernels.rules`` mapped over arrays,
and NumPy formulas for the layers and losses (written from the report, independently of the kernels)."""

from __future__ import annotations

import numpy as np


def rule_map(rule, *arrays, scalars=()):
    """Apply a scalar rule element-wise in float64 (``np.vectorize`` over plain Python); returns a tuple."""
    out = np.vectorize(lambda *xs: rule(*xs, *scalars), otypes=None)(
        *[np.asarray(a, np.float64) for a in arrays]
    )
    return out if isinstance(out, tuple) else (out,)


def dense_forward(a_prev, W, b, f):
    z = a_prev.astype(np.float64) @ W.astype(np.float64).T + b
    return f(z), z


def dense_backward(delta, a_prev, W):
    d = delta.astype(np.float64)
    return d.T @ a_prev.astype(np.float64), d.sum(0), d @ W.astype(np.float64)


def log_softmax(z):
    z = np.asarray(z, np.float64)
    m = z.max(1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(1, keepdims=True))


def losses(name: str, p, y, eps: float = 1e-7):
    """``(J, dJ/dinput)`` in float64 with the batch conventions of ``kernels.cuda.losses``."""
    p, y = np.asarray(p, np.float64), np.asarray(y, np.float64)
    b, n = p.shape[0], p.size
    if name == "quadratic":
        return 0.5 * ((p - y) ** 2).sum() / b, (p - y) / b
    if name == "mse":
        return ((p - y) ** 2).sum() / n, 2 * (p - y) / n
    if name == "binary_cross_entropy":
        q = np.clip(p, eps, 1 - eps)
        return -(y * np.log(q) + (1 - y) * np.log(1 - q)).sum() / n, (q - y) / (q * (1 - q)) / n
    ls = log_softmax(p)
    return -(y * ls).sum() / b, (np.exp(ls) - y) / b


ACTIVATIONS = {
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(np.float64)),
}


def mlp_loss(params: list[tuple[np.ndarray, np.ndarray]], acts, X, Y, loss: str) -> float:
    """Loss of a dense network in float64 (forward pass only), for finite differences."""
    a = np.asarray(X, np.float64)
    for (W, b), act in zip(params, acts, strict=True):
        a = ACTIVATIONS[act][0](a @ W.T + b)
    return losses(loss, a, Y)[0]

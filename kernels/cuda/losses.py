"""Losses on the GPU (report 2.3.4-2.3.6), each returning ``(loss, dloss_dinput)`` in one pass: every
thread writes the gradient of its elements and brings the sum of their loss terms to a block reduction.

Batch conventions (those of the CPU kernels, ``kernels.cpu.losses``): ``quadratic`` and
``softmax_cross_entropy`` sum over the outputs and average over the batch; ``mse`` and
``binary_cross_entropy`` average over every element (PyTorch's ``reduction="mean"``):

* ``quadratic``: ``J = 1/B sum 1/2 (y_hat - y)^2``, ``dJ/dy_hat = (y_hat - y) / B``;
* ``mse``: ``J = 1/N sum (y_hat - y)^2``, ``dJ/dy_hat = 2 (y_hat - y) / N``;
* ``binary_cross_entropy`` (``p`` clipped to ``[eps, 1 - eps]``): ``J = -1/N sum (y log p + (1-y) log(1-p))``;
* ``softmax_cross_entropy`` (logits ``z``; target rows ``y``, one-hot or distributions, or integer labels):
  ``J = -1/B sum_ik y_ik log softmax(z_i)_k``, ``dJ/dz_i = (softmax(z_i) sum_k y_ik - y_i) / B``.

With device inputs the loss comes back as a 1-element device array (no synchronisation); with NumPy inputs
it is a Python float and the gradient a NumPy array.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import cuda

from kernels import losses as _front
from kernels import rows
from kernels.cuda import _arrays, config, device
from kernels.cuda.reduce import SHARED_DTYPE, block_sum_into
from kernels.rules import BCE_EPS


def _ignoring_eps(rule):
    """``rule(p, y)`` as a device function of ``(p, y, eps)``: one kernel serves both element-wise losses."""

    @cuda.jit(device=True)
    def with_eps(p, y, eps):
        return rule(p, y)

    return with_eps


_ELEMENTWISE = {
    "quadratic": (_ignoring_eps(device.quadratic_loss), _ignoring_eps(device.quadratic_loss_grad)),
    "binary_cross_entropy": (device.binary_cross_entropy, device.binary_cross_entropy_grad),
}
_softmax_cross_entropy_row = cuda.jit(device=True)(rows.softmax_cross_entropy_row)


@functools.cache
def _elementwise_kernel(tpb: int, name: str):
    """``grad[i] = gscale * l'(p[i], y[i])`` and ``total[0] += lscale * sum_i l(p[i], y[i])`` for the
    element-wise loss ``name`` of ``_ELEMENTWISE``."""
    loss, loss_grad = _ELEMENTWISE[name]

    @cuda.jit
    def kernel(p, y, eps, lscale, gscale, grad, total):
        shared = cuda.shared.array(tpb, dtype=SHARED_DTYPE)
        acc = 0.0
        for i in range(cuda.grid(1), p.size, cuda.gridsize(1)):
            acc += loss(p[i], y[i], eps)
            grad[i] = gscale * loss_grad(p[i], y[i], eps)
        block_sum_into(shared, lscale * acc, total)

    return kernel


@functools.cache
def _softmax_ce_kernel(tpb: int):
    @cuda.jit
    def kernel(z, y, lscale, gscale, grad, total):
        shared = cuda.shared.array(tpb, dtype=SHARED_DTYPE)
        acc = 0.0
        for i in range(cuda.grid(1), z.shape[0], cuda.gridsize(1)):
            acc = _softmax_cross_entropy_row(z, y, grad, i, gscale, acc)
        block_sum_into(shared, lscale * acc, total)

    return kernel


def loss_into(name: str, y_hat, y, grad, total, loss_scale: float, grad_scale: float, eps: float = BCE_EPS):
    """Device-level launch: ``grad = grad_scale * dl/dy_hat`` and ``total[0] += loss_scale * sum l`` where
    ``l`` is the per-element (per-row for softmax_cross_entropy) loss term; every array is on the device."""
    tpb = config.THREADS_PER_BLOCK
    cast = y_hat.dtype.type
    if name in ("quadratic", "mse", "binary_cross_entropy"):
        elementwise = "quadratic" if name == "mse" else name
        _elementwise_kernel(tpb, elementwise)[config.blocks_for(y_hat.size), tpb](
            _arrays.flat(y_hat),
            _arrays.flat(y),
            cast(eps),
            loss_scale,
            cast(grad_scale),
            _arrays.flat(grad),
            total,
        )
    elif name == "softmax_cross_entropy":
        _softmax_ce_kernel(tpb)[config.blocks_for(y_hat.shape[0]), tpb](
            y_hat, y, loss_scale, cast(grad_scale), grad, total
        )
    else:
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(NAMES)}")


def scales(name: str, shape: tuple[int, int]) -> tuple[float, float]:
    """``(loss_scale, grad_scale)`` multiplying the summed rule and its derivative: ``1/B`` for quadratic
    and softmax cross-entropy, ``1/N`` for binary cross-entropy, ``2/N`` for ``mse`` (twice the quadratic
    rule averaged over all ``N = B K`` elements)."""
    n = shape[0] * shape[1]
    if name == "mse":
        return 2.0 / n, 2.0 / n
    if name == "binary_cross_entropy":
        return 1.0 / n, 1.0 / n
    return 1.0 / shape[0], 1.0 / shape[0]


def _loss(name: str, y_hat, y, eps: float = BCE_EPS):
    on_device = _arrays.is_device(y_hat)
    pd = _arrays.to_device(y_hat, "y_hat")
    yd = _arrays.to_device(y, "y")
    _arrays.same_shape(("y_hat", pd), ("y", yd))
    if pd.ndim != 2:
        raise ValueError(f"{name} expects (batch, outputs) arrays, got shape {tuple(pd.shape)}")
    grad = cuda.device_array(tuple(pd.shape), dtype=pd.dtype)
    total = cuda.to_device(np.zeros(1, dtype=np.float64))
    loss_into(name, pd, yd, grad, total, *scales(name, tuple(pd.shape)), eps=eps)
    if on_device:
        return total, grad
    return float(total.copy_to_host()[0]), grad.copy_to_host()


def quadratic(y_hat, y):
    """Quadratic cost ``1/B sum 1/2 (y_hat - y)^2`` and its gradient ``(y_hat - y) / B`` (2.3.4-2.3.6)."""
    return _loss("quadratic", y_hat, y)


def mse(y_hat, y):
    """Mean squared error ``1/N sum (y_hat - y)^2`` over all ``N`` elements (twice the quadratic rule)."""
    return _loss("mse", y_hat, y)


def binary_cross_entropy(p, y, eps: float = BCE_EPS):
    """Binary cross-entropy ``-1/N sum (y log p + (1 - y) log(1 - p))``, ``p`` clipped to ``[eps, 1-eps]``."""
    return _loss("binary_cross_entropy", p, y, _front.check_eps(eps))


def one_hot(labels: np.ndarray, classes: int, dtype) -> np.ndarray:
    """``(batch, classes)`` one-hot matrix of integer labels."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"labels must lie in [0, {classes})")
    y = np.zeros((labels.size, classes), dtype=dtype)
    y[np.arange(labels.size), labels] = 1
    return y


def softmax_cross_entropy(z, y):
    """Softmax cross-entropy of logits ``z`` (``(batch, classes)``) against one-hot ``y`` (or integer labels
    on the host): ``J = 1/B sum_i -sum_k y_ik log softmax(z_i)_k``, ``dJ/dz = (softmax(z) - y) / B``."""
    if not _arrays.is_device(y) and np.asarray(y).ndim == 1:
        y = one_hot(y, np.shape(z)[1], np.dtype(z.dtype))
    return _loss("softmax_cross_entropy", z, y)


NAMES = ("quadratic", "mse", "binary_cross_entropy", "softmax_cross_entropy")

__all__ = ["binary_cross_entropy", "mse", "quadratic", "softmax_cross_entropy"]

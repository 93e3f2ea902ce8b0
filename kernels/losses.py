"""Losses and their gradients (report 2.3.4-2.3.6), each returning ``(loss, dloss_dinput)``.

Inputs are ``(batch, k)`` arrays (a 1-D array is read as a batch of single outputs, ``k = 1``), C-contiguous,
float32 or float64, of one dtype; the gradient has the input's shape and dtype, the loss is a Python float
accumulated in float64. Reductions (``docs/CONVENTIONS.md``):

* ``quadratic``: ``J = 1/B sum_i 1/2 ||y_hat_i - y_i||^2`` (the report's cost, averaged over the batch);
* ``mse``: ``J = mean over all elements of (y_hat - y)^2`` (PyTorch ``MSELoss``);
* ``binary_cross_entropy``: mean over all elements, ``p`` clipped to ``[eps, 1 - eps]`` (``BCELoss``);
* ``softmax_cross_entropy``: on logits, ``J = -1/B sum_i log softmax(z_i)[y_i]`` (``CrossEntropyLoss``).
"""

from __future__ import annotations

import numpy as np

from kernels import _dispatch, _validate
from kernels.cpu import losses as _cpu
from kernels.rules import BCE_EPS


def check_eps(eps: object) -> float:
    """Binary cross-entropy's clipping ``eps`` in ``(0, 0.5)`` as a float, else a one-line error (both
    targets call it first)."""
    return _validate.number("eps", eps, low=0.0, high=0.5, low_open=True, high_open=True)


def _pair(
    y_hat: np.ndarray, y: np.ndarray, names: tuple[str, str] = ("y_hat", "y")
) -> tuple[np.ndarray, ...]:
    _validate.float_array(names[0], y_hat)
    _validate.like(names[1], y, names[0], y_hat)
    if y_hat.ndim > 2:
        raise ValueError(f"{names[0]} must be 1-D or 2-D (batch, outputs), got shape {y_hat.shape}")
    as2d = (lambda a: a.reshape(-1, 1)) if y_hat.ndim < 2 else (lambda a: a)
    grad = np.empty_like(y_hat)
    return as2d(y_hat), as2d(y), grad, as2d(grad)


def quadratic(y_hat: np.ndarray, y: np.ndarray, *, target: str = "cpu") -> tuple[float, np.ndarray]:
    """Quadratic cost (2.3.4): ``J = 1/B sum_i 1/2 ||y_hat_i - y_i||^2``; ``dJ/dy_hat = (y_hat - y) / B``.

    The report's example (2.3.6): ``quadratic([0.5], [1.0]) == (0.125, [-0.5])``.
    """
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("losses", "quadratic")(y_hat, y)
    a, b, grad, grad2 = _pair(y_hat, y)
    return float(_cpu.quadratic(a, b, grad2)), grad


def mse(y_hat: np.ndarray, y: np.ndarray, *, target: str = "cpu") -> tuple[float, np.ndarray]:
    """Mean squared error: ``J = 1/N sum (y_hat - y)^2`` over the ``N`` elements;
    ``dJ/dy_hat = 2 (y_hat - y) / N``."""
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("losses", "mse")(y_hat, y)
    a, b, grad, grad2 = _pair(y_hat, y)
    return float(_cpu.mse(a, b, grad2)), grad


def binary_cross_entropy(
    p: np.ndarray, y: np.ndarray, *, eps: float = BCE_EPS, target: str = "cpu"
) -> tuple[float, np.ndarray]:
    """Binary cross-entropy of probabilities ``p`` (e.g. sigmoid outputs) against targets ``y`` in [0, 1]:
    ``J = -1/N sum (y log p + (1 - y) log(1 - p))``, ``p`` clipped to ``[eps, 1 - eps]``;
    ``dJ/dp = (p - y) / (p (1 - p)) / N``."""
    eps = check_eps(eps)
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("losses", "binary_cross_entropy")(p, y, eps=eps)
    a, b, grad, grad2 = _pair(p, y, ("p", "y"))
    return float(_cpu.binary_cross_entropy(a, b, grad2, _validate.scalar(eps, a.dtype))), grad


def one_hot(labels: np.ndarray, classes: int, dtype: np.dtype | type = np.float64) -> np.ndarray:
    """``(batch, classes)`` one-hot rows of integer ``labels`` in ``[0, classes)``."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"labels must be a 1-D integer array, got dtype {labels.dtype} and shape {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"labels must lie in [0, {classes}), got range [{labels.min()}, {labels.max()}]")
    out = np.zeros((labels.size, classes), dtype=dtype)
    out[np.arange(labels.size), labels] = 1
    return out


def softmax_cross_entropy(
    logits: np.ndarray, y: np.ndarray, *, target: str = "cpu"
) -> tuple[float, np.ndarray]:
    """Softmax fused with the cross-entropy, on logits ``(batch, classes)`` (1.3.3, 2.3.4):
    ``J = -1/B sum_i sum_j y_ij log softmax(z_i)_j``; ``dJ/dz = (softmax(z) - y) / B`` for one-hot rows.

    ``y`` is either integer class labels ``(batch,)`` or target rows ``(batch, classes)`` of the logits'
    dtype (one-hot or probability distributions).
    """
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("losses", "softmax_cross_entropy")(logits, y)
    _validate.float_array("logits", logits, ndim=2)
    if isinstance(y, np.ndarray) and np.issubdtype(y.dtype, np.integer):
        if y.shape != (logits.shape[0],):
            raise ValueError(f"labels must have shape ({logits.shape[0]},) to match logits, got {y.shape}")
        y = one_hot(y, logits.shape[1], logits.dtype)
    _validate.like("y", y, "logits", logits)
    grad = np.empty_like(logits)
    return float(_cpu.softmax_cross_entropy(logits, y, grad)), grad


def by_name(name: str):
    """The loss function called ``name`` (quadratic, mse, binary_cross_entropy, softmax_cross_entropy)."""
    if name not in _cpu.CODES:
        raise ValueError(f"unknown loss {name!r}; expected one of {tuple(_cpu.CODES)}")
    return globals()[name]

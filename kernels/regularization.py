"""Regularisation (report 3.4): L2 penalty and gradient (3.4.1), inverted dropout (3.4.2).

Dropout uses the report's keep probability ``p`` (PyTorch's ``Dropout(p)`` takes the drop probability,
``1 - p`` here; ``docs/CONVENTIONS.md``): a mask entry is 1 with probability ``p`` and kept activations are
scaled by ``1 / p``, so the expectation of the output equals the input.
"""

from __future__ import annotations

import numpy as np

from kernels import _dispatch, _validate
from kernels.cpu import regularization as _cpu


def check_lam(lam: object) -> float:
    """The L2 strength ``lam >= 0`` as a float, else a one-line error (both targets call it first)."""
    return _validate.number("lam", lam, low=0.0)


def check_keep(p: object) -> float:
    """The keep probability ``p`` in ``(0, 1]`` as a float, else a one-line error (both targets)."""
    return _validate.number("p", p, low=0.0, high=1.0, low_open=True)


def check_seed(seed: object) -> int:
    """A seed in ``[0, 2**32)`` as an int, else a one-line error (both targets)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an int in [0, 2**32), got {seed!r}")
    return int(seed)


def l2_penalty(w: np.ndarray, lam: float, *, target: str = "cpu") -> float:
    """``lambda sum_i w_i^2`` (3.4.1, eq. 3.5), added to the loss."""
    lam = check_lam(lam)
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("regularization", "l2_penalty")(w, lam)
    _validate.float_array("w", w)
    return float(_cpu.l2_penalty(_validate.flat(w), _validate.scalar(lam, w.dtype)))


def l2_grad(g: np.ndarray, w: np.ndarray, lam: float, *, target: str = "cpu") -> None:
    """In place ``g <- g + 2 lambda w``, the gradient of :func:`l2_penalty` added to ``g``."""
    lam = check_lam(lam)
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("regularization", "l2_grad")(g, w, lam)
    _validate.float_array("w", w)
    _validate.like("g", g, "w", w, writeable=True)
    _cpu.l2_grad(_validate.flat(g), _validate.flat(w), _validate.scalar(lam, w.dtype))
    return None


def dropout_mask(
    shape: int | tuple[int, ...], p: float, seed: int, dtype: type | np.dtype = np.float64
) -> np.ndarray:
    """Mask of ``shape`` with entries 1 (probability ``p``, the keep probability) or 0, reproducible from
    ``seed`` (the same ``(shape, p, seed)`` always gives the same mask)."""
    p = check_keep(p)
    seed = check_seed(seed)
    dtype = np.dtype(dtype)
    if dtype not in _validate.FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    mask = np.empty(shape, dtype=dtype)
    _cpu.dropout_mask(_validate.flat(mask), dtype.type(p), np.uint32(seed))
    return mask


def _apply(
    function: str, name: str, h: np.ndarray, mask: np.ndarray, p: float, out: np.ndarray | None, target: str
) -> np.ndarray:
    """``out = h * mask / p`` for ``kernels.regularization.<function>`` (``name``: what ``h`` is called)."""
    p = check_keep(p)
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("regularization", function)(h, mask, p, out)
    _validate.float_array(name, h)
    _validate.like("mask", mask, name, h)
    out = _validate.output(out, name, h)
    keep = _validate.scalar(p, h.dtype)
    _cpu.dropout_apply(_validate.flat(h), _validate.flat(mask), keep, _validate.flat(out))
    return out


def dropout_forward(
    h: np.ndarray, mask: np.ndarray, p: float, *, out: np.ndarray | None = None, target: str = "cpu"
) -> np.ndarray:
    """Inverted dropout (3.4.2, eq. 3.6): ``h * mask / p`` (0 where dropped, ``h / p`` where kept)."""
    return _apply("dropout_forward", "h", h, mask, p, out, target)


def dropout_backward(
    dh: np.ndarray, mask: np.ndarray, p: float, *, out: np.ndarray | None = None, target: str = "cpu"
) -> np.ndarray:
    """Gradient through dropout, the same linear map applied to the upstream gradient:
    ``dJ/dh = dJ/dh_dropped * mask / p``."""
    return _apply("dropout_backward", "dh", dh, mask, p, out, target)

"""Dense layer, batched (report 2.3.1, 2.3.4).

Rows are samples; ``W`` is ``(n_out, n_in)``, ``b`` is ``(n_out,)``.

Forward: ``z = a_prev W^T + b`` (per sample the report's ``z = W a + b``), ``a = f(z)``.
Backward from ``delta = dJ/dz`` (``(batch, n_out)``): ``dW = delta^T a_prev`` (the report's
``delta_l a_{l-1}^T`` summed over the batch), ``db = sum_i delta_i``, ``dA_prev = delta W``; the previous
layer's ``delta_{l-1} = dA_prev * f'(z_{l-1})`` is ``activations.backward(name, z_prev, upstream=dA_prev)``.
"""

from __future__ import annotations

import numpy as np

from kernels import _dispatch, _validate
from kernels.cpu import activations as _acts
from kernels.cpu import layers as _cpu
from kernels.rules import DEFAULT_ALPHA

LAYER_ACTIVATIONS = ("identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax")


_DEFAULT_CODES = {n: (_acts.CODES[n], float(DEFAULT_ALPHA.get(n, 0.0))) for n in LAYER_ACTIVATIONS}


def activation_code(name: object, alpha: object = None) -> tuple[int, float]:
    """Integer code and ``alpha`` of a layer activation (``alpha`` defaults: Leaky ReLU 0.01, ELU 1.0)."""
    if alpha is None and type(name) is str:
        known = _DEFAULT_CODES.get(name)
        if known is not None:
            return known
    if name not in LAYER_ACTIVATIONS:
        raise ValueError(f"unknown layer activation {name!r}; expected one of {LAYER_ACTIVATIONS}")
    if alpha is None:
        alpha = DEFAULT_ALPHA.get(name, 0.0)
    elif name not in DEFAULT_ALPHA:
        raise TypeError(f"activation {name!r} takes no alpha")
    return _acts.CODES[name], _validate.number("alpha", alpha)


def _check_weights(a_prev: np.ndarray, W: np.ndarray) -> None:
    _validate.float_array("a_prev", a_prev, ndim=2)
    _validate.float_array("W", W, ndim=2)
    if W.dtype != a_prev.dtype:
        raise TypeError(f"W has dtype {W.dtype} but a_prev has dtype {a_prev.dtype}; they must match")
    if W.shape[1] != a_prev.shape[1]:
        raise ValueError(f"W has shape {W.shape} (n_out, n_in) but a_prev has {a_prev.shape[1]} features")


def dense_forward(
    a_prev: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    activation: str = "identity",
    *,
    alpha: float | None = None,
    target: str = "cpu",
) -> tuple[np.ndarray, np.ndarray]:
    """``(a, z)`` with ``z = a_prev W^T + b`` and ``a = f(z)``, both ``(batch, n_out)``."""
    code, alpha_value = activation_code(activation, alpha)
    if not _dispatch.is_cpu(target):
        hp = {} if alpha is None else {"alpha": alpha_value}
        return _dispatch.cuda_function("layers", "dense_forward")(a_prev, W, b, activation, **hp)
    if not _validate.same_dtype_2d(a_prev, W) or W.shape[1] != a_prev.shape[1]:
        _check_weights(a_prev, W)
    _validate.float_array("b", b, ndim=1)
    dtype = W.dtype
    if (b.dtype is not dtype and b.dtype != dtype) or b.shape != (W.shape[0],):  # `is`: the fast test
        raise ValueError(f"b must have shape ({W.shape[0]},) and dtype {W.dtype}, got {b.shape} {b.dtype}")
    shape = (a_prev.shape[0], W.shape[0])
    z, a = np.empty(shape, dtype=dtype), np.empty(shape, dtype=dtype)
    _cpu.dense_forward(a_prev, W, b, code, _validate.scalar(alpha_value, dtype), z, a)
    return a, z


def dense_backward(
    delta: np.ndarray, a_prev: np.ndarray, W: np.ndarray, *, target: str = "cpu"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dW, db, dA_prev)`` from ``delta = dJ/dz``: ``dW = delta^T a_prev``, ``db = sum_i delta_i``,
    ``dA_prev = delta W``."""
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("layers", "dense_backward")(delta, a_prev, W)
    if not _validate.same_dtype_2d(a_prev, W) or W.shape[1] != a_prev.shape[1]:
        _check_weights(a_prev, W)
    _validate.float_array("delta", delta, ndim=2)
    expected = (a_prev.shape[0], W.shape[0])
    if (delta.dtype is not W.dtype and delta.dtype != W.dtype) or delta.shape != expected:
        raise ValueError(
            f"delta must have shape {expected} and dtype {W.dtype}, "
            f"got {delta.shape} {delta.dtype}"
        )
    dtype = W.dtype
    dW, db, da_prev = np.empty(W.shape, dtype), np.empty(W.shape[0], dtype), np.empty(a_prev.shape, dtype)
    _cpu.dense_backward_params(delta, a_prev, dW, db)
    _cpu.dense_backward_input(delta, W, da_prev)
    return dW, db, da_prev

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

_F32, _F64 = _validate.F32, _validate.F64
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


def _check_layer(a_prev: object, W: object, name: str, x: object) -> None:
    """Raise naming the first problem of a layer's arrays: ``a_prev`` and ``W`` as :func:`_check_weights`,
    then ``x``: ``b``, of shape ``(n_out,)``, or ``delta``, of shape ``(batch, n_out)``, C-contiguous in
    ``W``'s dtype."""
    _check_weights(a_prev, W)
    shape = (W.shape[0],) if name == "b" else (a_prev.shape[0], W.shape[0])
    _validate.float_array(name, x, ndim=len(shape))
    if x.dtype != W.dtype or x.shape != shape:
        raise ValueError(f"{name} must have shape {shape} and dtype {W.dtype}, got {x.shape} {x.dtype}")


def _usual(a_prev: object, W: object, x: object, x_ndim: int) -> bool:
    """The common case of a layer's arrays in one test: C-contiguous non-empty ndarrays of one float
    dtype, ``a_prev`` and ``W`` 2-D with matching inner sizes, ``x`` of ``x_ndim`` dimensions (its shape is
    the caller's test). False sends the caller to :func:`_check_layer`, which names the problem (or, for
    an unpickled array whose dtype is equal but not NumPy's own object, finds none)."""
    if type(a_prev) is not np.ndarray or type(W) is not np.ndarray or type(x) is not np.ndarray:
        return False
    dtype = W.dtype
    return (
        (dtype is _F32 or dtype is _F64)
        and a_prev.dtype is dtype
        and x.dtype is dtype
        and a_prev.ndim == 2 == W.ndim
        and x.ndim == x_ndim
        and W.shape[1] == a_prev.shape[1]
        and a_prev.flags.c_contiguous
        and W.flags.c_contiguous
        and x.flags.c_contiguous
        and a_prev.size > 0
        and W.size > 0
        and x.size > 0
    )


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
    if target != "cpu" and not _dispatch.is_cpu(target):
        hp = {} if alpha is None else {"alpha": alpha_value}
        return _dispatch.cuda_function("layers", "dense_forward")(a_prev, W, b, activation, **hp)
    if not (_usual(a_prev, W, b, 1) and b.shape[0] == W.shape[0]):
        _check_layer(a_prev, W, "b", b)
    dtype = W.dtype
    shape = (a_prev.shape[0], W.shape[0])
    z, a = np.empty(shape, dtype=dtype), np.empty(shape, dtype=dtype)
    _cpu.dense_forward(a_prev, W, b, code, _validate.scalar(alpha_value, dtype), z, a)
    return a, z


def dense_backward(
    delta: np.ndarray, a_prev: np.ndarray, W: np.ndarray, *, target: str = "cpu"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dW, db, dA_prev)`` from ``delta = dJ/dz``: ``dW = delta^T a_prev``, ``db = sum_i delta_i``,
    ``dA_prev = delta W``."""
    if target != "cpu" and not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("layers", "dense_backward")(delta, a_prev, W)
    if not (_usual(a_prev, W, delta, 2) and delta.shape == (a_prev.shape[0], W.shape[0])):
        _check_layer(a_prev, W, "delta", delta)
    dtype = W.dtype
    dW, db, da_prev = np.empty(W.shape, dtype), np.empty(W.shape[0], dtype), np.empty(a_prev.shape, dtype)
    _cpu.dense_backward_params(delta, a_prev, dW, db)
    _cpu.dense_backward_input(delta, W, da_prev)
    return dW, db, da_prev

"""Argument checks of the public API: clear ``TypeError``/``ValueError`` before any Numba code runs."""

from __future__ import annotations

import math

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


F32, F64 = FLOAT_DTYPES
"""NumPy's own float32 and float64 dtype objects, for identity tests on a fast path."""


def float_array(name: str, a: object, *, ndim: int | None = None, writeable: bool = False) -> np.ndarray:
    """``a`` itself if it is a C-contiguous float32/float64 ndarray (of ``ndim`` dimensions), else raise."""
    if type(a) is np.ndarray and (a.dtype is F32 or a.dtype is F64) and a.size:
        # the common case in a few attribute reads (the native dtypes are singletons); anything else takes
        # the checks below, which name the problem
        flags = a.flags
        if flags.c_contiguous and (ndim is None or a.ndim == ndim) and (flags.writeable or not writeable):
            return a
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of float32 or float64, got {type(a).__name__}")
    if isinstance(a, np.matrix):  # stays 2-D through reshape(-1): a 1-D kernel would be compiled for it
        raise TypeError(f"{name} is a numpy.matrix; pass np.asarray({name})")
    if a.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} must have dtype float32 or float64, got {a.dtype}")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {a.shape}")
    if not a.flags.c_contiguous:
        raise ValueError(
            f"{name} must be C-contiguous (strides {a.strides}); pass np.ascontiguousarray({name})"
        )
    if writeable and not a.flags.writeable:
        raise ValueError(f"{name} must be writeable: it is updated in place")
    if a.size == 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    return a


def like(name: str, a: object, ref_name: str, ref: np.ndarray, *, writeable: bool = False) -> np.ndarray:
    """Check ``a`` as :func:`float_array` with the same dtype and shape as ``ref``."""
    if type(a) is np.ndarray and a.dtype is ref.dtype and a.shape == ref.shape:
        flags = a.flags
        if flags.c_contiguous and (flags.writeable or not writeable):
            return a
    float_array(name, a, writeable=writeable)
    if a.dtype != ref.dtype:
        raise TypeError(f"{name} has dtype {a.dtype} but {ref_name} has dtype {ref.dtype}; they must match")
    if a.shape != ref.shape:
        raise ValueError(f"{name} has shape {a.shape} but {ref_name} has shape {ref.shape}; they must match")
    return a


def flat_group(
    first: object, others: tuple[object, ...], names: tuple[str, ...], writeable: tuple[bool, ...]
) -> tuple[np.ndarray, ...]:
    """The flat views of ``(first, *others)``: ``first`` checked as :func:`float_array` (writeable), each
    of ``others`` as :func:`like` ``first`` (writeable where ``writeable`` says); else raise naming the first
    problem (``names`` names them all, ``first`` first).

    The fallback of the optimizer steps' inline test (``kernels.optim``): either it raises, or the arrays
    were fine in a way that test does not see (an unpickled array's dtype is equal to NumPy's own but not
    the same object; a 1-sized dimension may have any stride)."""
    float_array(names[0], first, writeable=True)
    pairs = zip(names[1:], others, writeable, strict=True)
    return (flat(first), *[flat(like(n, a, names[0], first, writeable=w)) for n, a, w in pairs])


_SCALARS: dict[tuple[float, np.dtype], np.generic] = {}


def scalar(x: float, dtype: np.dtype) -> np.generic:
    """The checked float ``x`` as a NumPy scalar of ``dtype`` (remembered: a conversion costs more than the
    look-up, and the values are few: activation slopes, dropout probabilities)."""
    key = (x, dtype) if x else (x, dtype, math.copysign(1.0, x))  # 0.0 == -0.0: the sign in the key
    value = _SCALARS.get(key)
    if value is None:
        if len(_SCALARS) > 4096:
            _SCALARS.clear()
        value = _SCALARS[key] = dtype.type(x)
    return value


def output(out: object, ref_name: str, ref: np.ndarray) -> np.ndarray:
    """A new array like ``ref`` when ``out`` is None, else ``out`` checked to match ``ref``."""
    if out is None:
        return np.empty_like(ref)
    return like("out", out, ref_name, ref, writeable=True)


def number(
    name: str,
    x: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``x`` as a finite float within the given bounds, else ``TypeError``/``ValueError``."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def positive_int(name: str, x: object) -> int:
    """``x`` as an int >= 1, else raise."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(x).__name__}")
    if x < 1:
        raise ValueError(f"{name} must be >= 1, got {x}")
    return int(x)


def flat(a: np.ndarray) -> np.ndarray:
    """1-D view of a C-contiguous array (never a copy; ``a`` itself when it is 1-D)."""
    return a if a.ndim == 1 else a.reshape(-1)


def check_finite(**arrays: np.ndarray) -> None:
    """Raise ``FloatingPointError`` naming the first array holding a NaN or an infinity.

    The kernels propagate NaN and inf as IEEE arithmetic does (``docs/CONVENTIONS.md``); call this where a
    silent NaN would cost more than one pass over memory, e.g. ``check_finite(g=grads)`` before a step.
    """
    for name, a in arrays.items():
        values = np.asarray(a)
        if not np.isfinite(values).all():
            bad = np.flatnonzero(~np.isfinite(values.reshape(-1)))
            raise FloatingPointError(
                f"{name} holds {bad.size} non-finite value(s), first at flat index {bad[0]} "
                f"({values.reshape(-1)[bad[0]]})"
            )

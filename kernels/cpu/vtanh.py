"""``tanh`` written with arithmetic only (on the vectorisable ``exp`` of ``kernels.cpu.vexp``), so that LLVM
vectorises the loops that call it.

Without SVML, ``math.tanh`` in a Numba loop is one scalar libm call per element (NumPy's own ``tanh`` is
SIMD and was 40x faster). This version replaces ``math.tanh`` in the CPU compilation of the scalar rules
(``kernels.cpu.rules``); the plain rules and the CUDA kernels keep ``math.tanh``.

Method (Cephes ``tanh``, S. L. Moshier, *Methods and Programs for Mathematical Functions*, 1989), in float64:
for ``|x| < 0.625`` the rational approximation ``x + x^3 P(x^2) / Q(x^2)`` (P of degree 2, Q of degree 3),
otherwise ``sign(x) (1 - 2 / (exp(2 |x|) + 1))`` with ``2 |x|`` clamped at 40 (beyond it ``tanh`` rounds
to 1 in float64). Both branches are computed and one selected, so the loop has no branch. float32 input is
evaluated in float64 and rounded once. NaN propagates, ``tanh(+-inf) = +-1``, ``tanh(-0.0) = -0.0``.
Error against NumPy's float64 ``tanh`` on millions of points: within the 4 ulp that
``tests/kernels/test_kernels_vtanh.py`` allows, as for ``exp`` (measured maxima in that test's docstring).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from kernels.cpu.vexp import _exp64


@njit(error_model="numpy", inline="always")
def _tanh64(x):
    a = abs(x)
    s = x * x
    p = (-9.64399179425052238628e-1 * s - 9.92877231001918586564e1) * s - 1.61468768441708447952e3
    q = ((s + 1.12811678491632931402e2) * s + 2.23548839060100448583e3) * s + 4.84406305325125486048e3
    small = x + x * s * (p / q) if s != 0.0 else x  # keeps -0.0 (and equals x wherever s underflows)
    e = _exp64(min(a + a, 40.0))
    large = 1.0 - 2.0 / (e + 1.0)
    large = large if x >= 0.0 else -large
    y = small if a < 0.625 else large
    return y if x == x else x


@njit(error_model="numpy", inline="always")
def _tanh32(x):
    return np.float32(_tanh64(np.float64(x)))


def tanh(x: float) -> float:
    """``tanh(x)`` for a float32 or float64 scalar inside Numba code; in plain Python, ``math.tanh``."""
    return math.tanh(x)


@overload(tanh, jit_options={"error_model": "numpy"})
def _tanh_typed(x):
    if x == types.float32:
        return lambda x: _tanh32(x)
    if isinstance(x, types.Float):
        return lambda x: _tanh64(x)
    return None

"""``tanh`` written with arithmetic only (on the vectorisable ``exp`` of ``kernels.cpu.vexp``), so that LLVM
vectorises the loops that call it.

Without SVML, ``math.tanh`` in a Numba loop is one scalar libm call per element (NumPy's own ``tanh`` is
SIMD and was 40x faster). This version replaces ``math.tanh`` in the CPU compilation of the scalar rules
(``kernels.cpu.rules``); the plain rules and the CUDA kernels keep ``math.tanh``.

Method (Cephes ``tanh``, S. L. Moshier, *Methods and Programs for Mathematical Functions*, 1989), in float64:
for ``|x| < 0.625`` the rational approximation ``x + x^3 P(x^2) / Q(x^2)`` (P of degree 2, Q of degree 3),
otherwise ``sign(x) (exp(2 |x|) - 1) / (exp(2 |x|) + 1)`` with ``2 |x|`` clamped at 40 (beyond it
``tanh`` rounds to 1 in float64); the numerator and denominator of the two branches are selected first, so
one division serves both and the loop has no branch. In float32 (Cephes ``tanhf``), arithmetic in float32:
the odd polynomial ``x + x^3 P(x^2)`` (degree 4, no division) below 0.625, the same quotient above with
``2 |x|`` clamped at 20. NaN propagates, ``tanh(+-inf) = +-1``, ``tanh(-0.0) = -0.0``.
Error against NumPy's float64 ``tanh`` on millions of points: within the 4 ulp that
``tests/kernels/test_kernels_vtanh.py`` allows, as for ``exp`` (measured maxima in that test's docstring).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from kernels.cpu.vexp import _exp32, _exp64

_F32 = np.float32


@njit(error_model="numpy", inline="always")
def _tanh64(x):
    a = abs(x)
    s = x * x
    p = (-9.64399179425052238628e-1 * s - 9.92877231001918586564e1) * s - 1.61468768441708447952e3
    q = ((s + 1.12811678491632931402e2) * s + 2.23548839060100448583e3) * s + 4.84406305325125486048e3
    e = _exp64(min(a + a, 40.0))
    # one division for both branches: x + x s p / q = x (q + s p) / q, and 1 - 2 / (e + 1) = (e - 1) / (e + 1)
    small = a < 0.625
    num = x * (q + s * p) if small else math.copysign(e - 1.0, x)
    den = q if small else e + 1.0
    return num / den  # NaN in, NaN out; +-0.0 in, +-0.0 out


@njit(error_model="numpy", inline="always")
def _tanh32(x):
    a = abs(x)
    s = x * x
    p = ((_F32(-5.70498872745e-3) * s + _F32(2.06390887954e-2)) * s - _F32(5.37397155531e-2)) * s
    p = ((p + _F32(1.33314422036e-1)) * s - _F32(3.33332819422e-1)) * s
    small = x + x * p
    e = _exp32(min(a + a, _F32(20.0)))
    large = (e - _F32(1.0)) / (e + _F32(1.0))
    y = small if a < _F32(0.625) else math.copysign(large, x)
    return y if x != _F32(0.0) else x  # keeps -0.0; NaN in, NaN out


def tanh(x: float) -> float:
    """``tanh(x)`` for a float32 or float64 scalar inside Numba code; in plain Python, ``math.tanh``."""
    return math.tanh(x)


@overload(tanh, inline="always", jit_options={"error_model": "numpy"})
def _tanh_typed(x):
    if x == types.float32:
        return lambda x: _tanh32(x)
    if isinstance(x, types.Float):
        return lambda x: _tanh64(x)
    return None

"""The vectorisable ``exp`` of ``kernels/cpu/vexp.py`` against ``math.exp``: at most 4 ulp (1 measured) in
float64 and float32 over the whole range, the IEEE edge cases exact, and no libm call left in the loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from kernels.cpu import activations, vexp

MAX_ULP = 4.0


@njit(error_model="numpy")
def _exp_loop(x, out):
    for i in range(x.size):
        out[i] = vexp.exp(x[i])


def _math_exp(x: np.ndarray) -> np.ndarray:
    """``math.exp`` element by element in float64, ``inf`` where it overflows, NaN kept."""
    out = np.empty(x.size)
    with np.errstate(invalid="ignore"):
        values = x.astype(np.float64).tolist()
    for i, v in enumerate(values):
        try:
            out[i] = math.exp(v)
        except OverflowError:
            out[i] = math.inf
    return out


def _points(dtype, lo: float, hi: float, n: int, seed: int) -> np.ndarray:
    """Uniform points over ``[lo, hi]`` (the whole finite range of interest), points near 0, and random
    bit patterns (every exponent: tiny and huge magnitudes, infinities, NaNs)."""
    rng = np.random.default_rng(seed)
    itype = np.uint64 if dtype == np.float64 else np.uint32
    bits = rng.integers(0, np.iinfo(itype).max, n // 4, dtype=itype, endpoint=True).view(dtype)
    return np.concatenate(
        [
            rng.uniform(lo, hi, n // 2).astype(dtype),
            rng.uniform(-1.0, 1.0, n // 4).astype(dtype),
            bits,
        ]
    )


def _rounded(exact: np.ndarray, dtype) -> np.ndarray:
    with np.errstate(over="ignore"):
        return exact.astype(dtype)


def _ulp_error(y: np.ndarray, exact: np.ndarray, dtype) -> np.ndarray:
    """``|y - exact|`` in units of the spacing of ``dtype`` at ``exact`` rounded to ``dtype``."""
    rounded = _rounded(exact, dtype)
    tiny = np.finfo(dtype).smallest_subnormal
    spacing = np.where(rounded == 0, tiny, np.spacing(np.abs(rounded))).astype(np.float64)
    return np.abs(y.astype(np.float64) - exact) / spacing


@pytest.mark.parametrize(
    ("dtype", "lo", "hi"), [(np.float64, -750.0, 712.0), (np.float32, -106.0, 90.0)], ids=["f64", "f32"]
)
def test_exp_is_within_4_ulp_of_math_exp_over_the_whole_range(dtype, lo, hi):
    x = _points(dtype, lo, hi, 2_000_000, seed=7)
    out = np.empty_like(x)
    _exp_loop(x, out)
    exact = _math_exp(x)
    finite = np.isfinite(_rounded(exact, dtype))
    assert _ulp_error(out[finite], exact[finite], dtype).max() <= MAX_ULP
    np.testing.assert_array_equal(out[~finite], _rounded(exact[~finite], dtype))
    assert finite.sum() > 1_500_000


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_exp_edge_cases(dtype):
    info = np.finfo(dtype)
    big, tiny = float(info.max), float(info.smallest_subnormal)
    over, under = math.log(big), math.log(tiny)
    exact_cases = [
        (0.0, 1.0),
        (-0.0, 1.0),
        (tiny, 1.0),
        (np.inf, np.inf),
        (-np.inf, 0.0),
        (big, np.inf),
        (-big, 0.0),
        (over * (1 + 1e-6), np.inf),
        (under - 0.8, 0.0),
        (under - 100.0, 0.0),
        (under + 0.3, tiny),
    ]
    x = np.array([c[0] for c in exact_cases] + [np.nan, over * (1 - 1e-6)], dtype=dtype)
    out = np.empty_like(x)
    _exp_loop(x, out)
    np.testing.assert_array_equal(out[:-2], np.array([c[1] for c in exact_cases], dtype=dtype))
    assert np.isnan(out[-2])
    assert np.isfinite(out[-1]) and _ulp_error(out[-1:], _math_exp(x[-1:]), dtype)[0] <= MAX_ULP


def test_plain_python_exp_is_math_exp():
    assert vexp.exp(0.5) == math.exp(0.5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_sigmoid_and_softmax_loops_call_no_libm_exp(dtype):
    """Recompiled without the on-disk cache, whose code Numba cannot inspect."""
    z = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    out = np.empty_like(z)
    forward = njit(error_model="numpy")(activations.forward.py_func)
    softmax = njit(error_model="numpy")(activations.softmax.py_func)
    forward(activations.SIGMOID, z.ravel(), out.ravel(), dtype(0))
    softmax(z, out)
    for kernel in (forward, softmax):
        (ir_text,) = kernel.inspect_llvm().values()
        calls = [line for line in ir_text.splitlines() if " call " in line]
        libm = [c for c in calls if "@llvm.exp." in c or "@exp(" in c or "@expf(" in c]
        assert not libm, libm[:3]
        assert "define" in ir_text


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5, 7, 8, 9, 256])
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-13), (np.float32, 1e-5)], ids=["f64", "f32"])
def test_softmax_rows_match_numpy_float64_for_every_width(width, dtype, rtol):
    """The row maximum and sum run in four partial results plus a tail: widths below, at and past 4."""
    z = np.random.default_rng(width).normal(0.0, 3.0, (5, width)).astype(dtype)
    z[1, -1] = 40.0
    e = np.exp(z.astype(np.float64) - z.astype(np.float64).max(axis=1, keepdims=True))
    np.testing.assert_allclose(_softmax_of(z), e / e.sum(axis=1, keepdims=True), rtol=rtol, atol=0)


def test_softmax_nan_spoils_its_row_only():
    z = np.random.default_rng(0).normal(size=(3, 9))
    z[1, 6] = np.nan
    out = _softmax_of(z)
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()


def _softmax_of(z: np.ndarray) -> np.ndarray:
    out = np.empty_like(z)
    activations.softmax(z, out)
    return out

"""Sigmoid and softmax of ``kernels/cpu/activations.py`` against NumPy in float64 on millions of points.

Sigmoid: at most 4 ulp (the bound of ``exp``) in float64 and float32 on 2 million points of the range where
it is neither 0 nor 1 and beyond. Softmax: 4096 rows of 256 values, relative error of every output at most
``(8 + |z_ij - m_i| / 2 + sum_k p_ik |z_ik - m_i| / 2) eps`` against the float64 softmax ``p`` of the
same (rounded) inputs: ``z - m`` is rounded once in the input's precision, which ``exp`` turns into a
relative error of up to ``|z - m| eps / 2`` in the term and its p-weighted mean in the sum;
the rest (``exp``, the sum, the scaling, here and in the float64 reference) under 8 eps. Measured maxima:
sigmoid 2 ulp (float64) and 2.23 (float32); softmax 17 eps in float32 where ``|z - m|`` reaches 64. The
row sum is vectorised with reassociation (only the order of the additions changes), within these bounds.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_kernels_vexp import MAX_ULP, _points, _ulp_error

from kernels.cpu import activations


@pytest.mark.parametrize(("dtype", "edge"), [(np.float64, 745.0), (np.float32, 104.0)], ids=["f64", "f32"])
def test_sigmoid_is_within_4_ulp_of_numpy_float64(dtype, edge):
    x = _points(dtype, -edge, edge, 2_000_000, seed=11)
    out = np.empty_like(x)
    activations.forward(activations.SIGMOID, x, out, dtype(0.0))
    with np.errstate(over="ignore", invalid="ignore"):  # the NaN bit patterns
        x64 = x.astype(np.float64)
        e = np.exp(-np.abs(x64))  # never overflows: exp(z) / (1 + exp(z)) below 0
        exact = np.where(x64 >= 0, 1.0, e) / (1.0 + e)
    finite = ~np.isnan(x)
    err = _ulp_error(out[finite], exact[finite], dtype)
    assert err.max() <= MAX_ULP, (err.max(), x[finite][err.argmax()])
    assert np.isnan(out[~finite]).all()
    assert finite.sum() > 1_900_000


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("scale", [1.0, 8.0])
def test_softmax_rows_within_bound_of_numpy_float64(dtype, scale):
    rng = np.random.default_rng(12)
    z = (rng.standard_normal((4096, 256)) * scale).astype(dtype)  # 1M points
    out = np.empty_like(z)
    activations.softmax(z, out)
    z64 = z.astype(np.float64)
    spread = z64 - z64.max(axis=1, keepdims=True)
    exact = np.exp(spread)
    exact /= exact.sum(axis=1, keepdims=True)
    rel = np.abs(out.astype(np.float64) - exact) / exact / np.finfo(dtype).eps
    # each term's own rounding of z - m, plus the sum's: the p-weighted mean of the terms' errors
    bound = 8.0 + np.abs(spread) / 2 + (exact * np.abs(spread)).sum(axis=1, keepdims=True) / 2
    assert (rel <= bound).all(), (rel.max(), rel[np.unravel_index((rel - bound).argmax(), rel.shape)])
    np.testing.assert_allclose(out.sum(axis=1, dtype=np.float64), 1.0, rtol=0, atol=300 * np.finfo(dtype).eps)


def test_softmax_odd_widths_and_extremes():
    z = np.array([[1e30, -1e30, 0.0], [-1e30, -1e30, -1e30], [3.0, np.nan, 1.0]])
    out = np.empty_like(z)
    activations.softmax(z, out)
    np.testing.assert_array_equal(out[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(out[1], [1 / 3] * 3, rtol=1e-15)
    assert np.isnan(out[2]).all()
    for width in (1, 2, 3, 5, 17, 31):
        z = np.random.default_rng(width).standard_normal((7, width))
        out = np.empty_like(z)
        activations.softmax(z, out)
        exact = np.exp(z - z.max(axis=1, keepdims=True))
        np.testing.assert_allclose(out, exact / exact.sum(axis=1, keepdims=True), rtol=4e-15)

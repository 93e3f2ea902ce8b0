"""CUDA L2 and dropout against the plain-Python rules and NumPy (float64), and the CPU kernels."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from cuda_reference import rule_map
from numba import cuda

import kernels.cuda as kc
from kernels import rules
from kernels.cuda import _arrays

pytestmark = [
    pytest.mark.usefixtures("small_launch"),
    # numba-cuda's generator set-up runs in object mode under the simulator and warns about it.
    pytest.mark.filterwarnings("ignore::numba.NumbaWarning", "ignore:overflow:RuntimeWarning"),
]


def _wg(dtype):
    rng = np.random.default_rng(11)
    return rng.standard_normal((13, 9)).astype(dtype), rng.standard_normal((13, 9)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_l2_penalty_and_grad_match_numpy(dtype):
    w, g = _wg(dtype)
    rel = 1e-6 if dtype == np.float32 else 1e-12
    assert kc.l2_penalty(w, 0.3) == pytest.approx(0.3 * (w.astype(np.float64) ** 2).sum(), rel=rel)
    (want,) = rule_map(rules.l2_grad_rule, g, w, scalars=(0.3,))
    kc.l2_grad(g, w, 0.3)
    np.testing.assert_allclose(g, want, rtol=1e-6 if dtype == np.float32 else 1e-14, atol=1e-7)


def test_dropout_forward_and_backward_apply_the_rule():
    h, dh = _wg(np.float64)
    mask = (np.random.default_rng(2).random(h.shape) < 0.6).astype(np.float64)
    (want_f,) = rule_map(rules.dropout_rule, h, mask, scalars=(0.6,))
    (want_b,) = rule_map(rules.dropout_rule, dh, mask, scalars=(0.6,))
    np.testing.assert_allclose(kc.dropout_forward(h, mask, 0.6), want_f, rtol=1e-15)
    np.testing.assert_allclose(kc.dropout_backward(dh, mask, 0.6), want_b, rtol=1e-15)


def test_dropout_mask_is_seeded_binary_with_rate_p(small_launch, monkeypatch):
    monkeypatch.setattr(small_launch, "MAX_BLOCKS", 2)  # 16 generator streams, 62-63 draws each
    shape, p = (20, 50), 0.7
    m = kc.dropout_mask(shape, p, seed=3)
    assert m.shape == shape and set(np.unique(m)) <= {0.0, 1.0}
    # 1000 Bernoulli(0.7) draws: standard deviation of the mean 0.0145, the bound is 5 of them.
    assert abs(m.mean() - p) < 0.0725
    np.testing.assert_array_equal(m, kc.dropout_mask(shape, p, seed=3))
    assert not np.array_equal(m, kc.dropout_mask(shape, p, seed=4))
    d = kc.dropout_mask(shape, p, seed=3, device=True)
    assert _arrays.is_device(d)
    np.testing.assert_array_equal(d.copy_to_host(), m)


def test_bad_keep_probability_is_refused():
    with pytest.raises(ValueError, match=r"p must be > 0\.0"):  # the CPU's check and message
        kc.dropout_mask((3,), 0.0, seed=1)


def test_agrees_with_cpu_kernels():
    cpu = importlib.import_module("kernels.cpu.regularization")
    w, g = _wg(np.float32)
    assert kc.l2_penalty(w, 0.3) == pytest.approx(cpu.l2_penalty(w.ravel(), np.float32(0.3)), rel=1e-6)
    g_cpu = g.copy().ravel()
    cpu.l2_grad(g_cpu, w.ravel(), np.float32(0.3))
    kc.l2_grad(g, w, 0.3)
    np.testing.assert_allclose(g.ravel(), g_cpu, rtol=1e-6, atol=1e-7)
    mask = (w > 0).astype(np.float32)
    out = np.empty_like(w).ravel()
    cpu.dropout_apply(g.ravel(), mask.ravel(), np.float32(0.6), out)
    np.testing.assert_allclose(kc.dropout_forward(g, mask, 0.6).ravel(), out, rtol=1e-6)
    dev = kc.dropout_forward(cuda.to_device(g), cuda.to_device(mask), 0.6)
    np.testing.assert_allclose(dev.copy_to_host().ravel(), out, rtol=1e-6)

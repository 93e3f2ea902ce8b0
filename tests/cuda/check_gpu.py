"""Checks that only mean something on real hardware: every kernel compiles for the device (the simulator
does no typing) and agrees with NumPy at the default launch sizes, up to a million elements."""

from __future__ import annotations

import os

import numpy as np
import pytest
from cuda_reference import losses as ref_losses
from numba import cuda

import kernels.cuda as kc

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(
        os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" or not kc.available, reason="needs a real CUDA GPU"
    ),
]


def test_adam_on_a_million_parameters():
    rng = np.random.default_rng(0)
    w, g = (
        rng.standard_normal(1_000_003).astype(np.float32),
        rng.standard_normal(1_000_003).astype(np.float32),
    )
    wd, gd = cuda.to_device(w), cuda.to_device(g)
    state = kc.init_state("adam", wd)
    kc.adam_step(wd, gd, state, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    # The kernel receives the hyperparameters in the parameters' dtype, as the CPU kernels do.
    lr, b1, b2, eps = (float(np.float32(x)) for x in (0.01, 0.9, 0.999, 1e-8))
    bc1, bc2 = float(np.float32(1 - 0.9)), float(np.float32(1 - 0.999))
    g64 = g.astype(np.float64)
    m, v = (1 - b1) * g64, (1 - b2) * g64**2
    want = w - lr * (m / bc1) / (np.sqrt(v / bc2) + eps)
    np.testing.assert_allclose(wd.copy_to_host(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state["v"].copy_to_host(), v, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(state["m"].copy_to_host(), m, rtol=1e-5, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_layer_at_default_tile(dtype):
    rng = np.random.default_rng(1)
    a_prev = rng.standard_normal((300, 257)).astype(dtype)
    W = rng.standard_normal((129, 257)).astype(dtype)
    b = rng.standard_normal(129).astype(dtype)
    delta = rng.standard_normal((300, 129)).astype(dtype)
    a, z = kc.dense_forward(a_prev, W, b, "relu")
    z64 = a_prev.astype(np.float64) @ W.T.astype(np.float64) + b
    tol = dict(rtol=1e-4, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-10)
    np.testing.assert_allclose(z, z64, **tol)
    np.testing.assert_allclose(a, np.maximum(z64, 0), **tol)
    dW, db, dA = kc.dense_backward(delta, a_prev, W)
    np.testing.assert_allclose(dW, delta.T.astype(np.float64) @ a_prev, **tol)
    np.testing.assert_allclose(db, delta.astype(np.float64).sum(0), **tol)
    np.testing.assert_allclose(dA, delta.astype(np.float64) @ W, **tol)


@pytest.mark.parametrize("name", ["quadratic", "mse", "binary_cross_entropy", "softmax_cross_entropy"])
def test_losses_at_default_launch(name):
    rng = np.random.default_rng(2)
    p = rng.uniform(0.05, 0.95, (4096, 10))
    y = np.eye(10)[rng.integers(0, 10, 4096)]
    j, g = getattr(kc, name)(p, y)
    want_j, want_g = ref_losses(name, p, y)
    assert j == pytest.approx(want_j, rel=1e-10)
    np.testing.assert_allclose(g, want_g, rtol=1e-10, atol=1e-15)


def test_every_activation_and_dropout_compile():
    z = np.linspace(-4, 4, 100_001).astype(np.float32)
    for name in ("step", "sigmoid", "tanh", "relu", "leaky_relu", "elu"):
        assert np.isfinite(kc.forward(name, z)).all() and np.isfinite(kc.backward(name, z)).all()
    mask = kc.dropout_mask(z.shape, 0.8, seed=0)
    assert abs(mask.mean() - 0.8) < 0.01
    np.testing.assert_allclose(kc.dropout_forward(z, mask, 0.8), z * mask / np.float32(0.8), rtol=1e-6)

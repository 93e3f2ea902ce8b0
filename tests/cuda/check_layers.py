"""CUDA dense layers (tiled products) against NumPy float64, finite differences and the CPU kernels."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from cuda_reference import ACTIVATIONS, mlp_loss
from cuda_reference import dense_backward as ref_backward
from cuda_reference import dense_forward as ref_forward
from numba import cuda

import kernels.cuda as kc
from kernels.cuda import _arrays, layers
from kernels.cuda.train import DeviceNet, _forward_backward, _Workspace

pytestmark = pytest.mark.usefixtures("small_launch")

# batch 9, n_in 7, n_out 10 with TILE = 4: 3x3 output tiles, 2 tiles along the shared dimension, ragged edges.
B, N_IN, N_OUT = 9, 7, 10


def _layer(dtype, seed: int = 0):
    rng = np.random.default_rng(seed)
    a_prev = rng.standard_normal((B, N_IN)).astype(dtype)
    W = rng.standard_normal((N_OUT, N_IN)).astype(dtype)
    b = rng.standard_normal(N_OUT).astype(dtype)
    delta = rng.standard_normal((B, N_OUT)).astype(dtype)
    return a_prev, W, b, delta


@pytest.mark.parametrize(
    ("activation", "dtype"), [("identity", np.float64), ("sigmoid", np.float32), ("relu", np.float64)]
)
def test_dense_forward_matches_numpy(activation, dtype):
    a_prev, W, b, _ = _layer(dtype)
    want_a, want_z = ref_forward(a_prev, W, b, ACTIVATIONS[activation][0])
    a, z = kc.dense_forward(a_prev, W, b, activation)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(z, want_z, **tol)
    np.testing.assert_allclose(a, want_a, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_backward_matches_numpy(dtype):
    a_prev, W, _, delta = _layer(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for got, want in zip(kc.dense_backward(delta, a_prev, W), ref_backward(delta, a_prev, W), strict=True):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize(("trans_a", "trans_b"), [(False, False), (True, False), (False, True), (True, True)])
def test_gemm_every_transpose(trans_a, trans_b):
    rng = np.random.default_rng(3)
    A = rng.standard_normal((6, 9) if trans_a else (9, 6))
    Bm = rng.standard_normal((5, 6) if trans_b else (6, 5))
    C = cuda.device_array((9, 5))
    layers.gemm(cuda.to_device(A), cuda.to_device(Bm), C, trans_a=trans_a, trans_b=trans_b)
    want = (A.T if trans_a else A) @ (Bm.T if trans_b else Bm)
    np.testing.assert_allclose(C.copy_to_host(), want, rtol=1e-12, atol=1e-12)


def test_gemm_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="do not agree"):
        layers.gemm(cuda.device_array((3, 4)), cuda.device_array((5, 2)), cuda.device_array((3, 2)))


def test_device_in_device_out():
    a_prev, W, b, delta = _layer(np.float32)
    a, z = kc.dense_forward(cuda.to_device(a_prev), cuda.to_device(W), cuda.to_device(b), "tanh")
    assert _arrays.is_device(a) and _arrays.is_device(z)
    grads = kc.dense_backward(cuda.to_device(delta), cuda.to_device(a_prev), cuda.to_device(W))
    assert all(_arrays.is_device(g) for g in grads)


def test_backprop_matches_finite_differences():
    """Gradients of a 2-layer network computed on the device equal centred differences of a NumPy loss."""
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    acts = ("tanh", "identity")
    params = [
        (rng.standard_normal((5, 4)), rng.standard_normal(5)),
        (rng.standard_normal((3, 5)), np.zeros(3)),
    ]
    net = DeviceNet.from_host([W for W, _ in params], [b for _, b in params], acts)
    total = cuda.to_device(np.zeros(1))
    _forward_backward(
        net,
        net.params,
        _Workspace(net, 6),
        cuda.to_device(X),
        cuda.to_device(Y),
        "quadratic",
        total,
        1.0,
        0.0,
    )
    got = net.grads.copy_to_host()
    assert total.copy_to_host()[0] == pytest.approx(mlp_loss(params, acts, X, Y, "quadratic"), rel=1e-12)
    flat = net.params.copy_to_host()
    h, want = 1e-6, np.empty_like(flat)
    for i in range(flat.size):
        for sign in (1, -1):
            shifted = flat.copy()
            shifted[i] += sign * h
            loss = mlp_loss(net.views(shifted), acts, X, Y, "quadratic")
            want[i] = loss / (2 * h) if sign == 1 else want[i] - loss / (2 * h)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("activation", ["identity", "tanh"])
def test_agrees_with_cpu_kernels(activation):
    cpu = importlib.import_module("kernels.cpu.layers")
    codes = importlib.import_module("kernels.cpu.activations").CODES
    a_prev, W, b, delta = _layer(np.float32)
    z, a = np.empty((B, N_OUT), np.float32), np.empty((B, N_OUT), np.float32)
    cpu.dense_forward(a_prev, W, b, codes[activation], 0.0, z, a)
    dW, db, dA = np.empty_like(W), np.empty_like(b), np.empty_like(a_prev)
    cpu.dense_backward_params(delta, a_prev, dW, db)
    cpu.dense_backward_input(delta, W, dA)
    got_a, got_z = kc.dense_forward(a_prev, W, b, activation)
    for got, want in zip(
        (got_a, got_z, *kc.dense_backward(delta, a_prev, W)), (a, z, dW, db, dA), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)

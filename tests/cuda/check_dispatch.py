"""The one switch: every public function of ``kernels`` gives the same result with ``target="cuda"`` as
with ``target="cpu"`` (float32 tolerance), through the CPU API's own dispatch."""

from __future__ import annotations

import numpy as np
import pytest

from kernels import activations, layers, losses, optim, regularization
from kernels import mlp as mlp_mod
from kernels import train as train_mod

pytestmark = pytest.mark.usefixtures("small_launch")

TOL = dict(rtol=1e-5, atol=1e-6)
RNG = np.random.default_rng(42)
Z = RNG.standard_normal((9, 11)).astype(np.float32)
U = RNG.standard_normal((9, 11)).astype(np.float32)


def both(fn, *args, **kwargs):
    return fn(*args, target="cpu", **kwargs), fn(*args, target="cuda", **kwargs)


@pytest.mark.parametrize("name", ["step", "sigmoid", "tanh", "relu", "leaky_relu", "elu"])
def test_activations(name):
    cpu, gpu = both(activations.forward, name, Z)
    np.testing.assert_allclose(gpu, cpu, **TOL)
    cpu, gpu = both(activations.backward, name, Z, upstream=U)
    np.testing.assert_allclose(gpu, cpu, **TOL)
    cpu, gpu = both(activations.softmax, Z)
    np.testing.assert_allclose(gpu, cpu, **TOL)


@pytest.mark.parametrize("name", ["quadratic", "mse", "binary_cross_entropy", "softmax_cross_entropy"])
def test_losses(name):
    p = 1 / (1 + np.exp(-Z)) if name == "binary_cross_entropy" else Z
    y = (U > 0).astype(np.float32)
    if name == "softmax_cross_entropy":
        y = np.abs(U) / np.abs(U).sum(1, keepdims=True)  # distributions, not only one-hot rows
    (j_cpu, g_cpu), (j_gpu, g_gpu) = both(getattr(losses, name), p, y)
    assert j_gpu == pytest.approx(j_cpu, rel=1e-5)
    np.testing.assert_allclose(g_gpu, g_cpu, rtol=1e-5, atol=1e-6 * np.abs(g_cpu).max())


def test_layers():
    W = RNG.standard_normal((6, 11)).astype(np.float32)
    b = RNG.standard_normal(6).astype(np.float32)
    for cpu, gpu in zip(*both(layers.dense_forward, Z, W, b, "elu", alpha=0.5), strict=True):
        np.testing.assert_allclose(gpu, cpu, **TOL)
    delta = RNG.standard_normal((9, 6)).astype(np.float32)
    for cpu, gpu in zip(*both(layers.dense_backward, delta, Z, W), strict=True):
        np.testing.assert_allclose(gpu, cpu, **TOL)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_optimizer_steps(name):
    results = {}
    for target in ("cpu", "cuda"):
        w = Z.copy()
        state = optim.init_state(name, w)
        for g in (U, U * 0.5, -U):
            optim.step(name, w, g, state, target=target, lr=0.05)
        results[target] = (w, state)
    (w_cpu, s_cpu), (w_gpu, s_gpu) = results["cpu"], results["cuda"]
    np.testing.assert_allclose(w_gpu, w_cpu, **TOL)
    assert s_cpu.keys() == s_gpu.keys()
    for key in s_cpu:
        np.testing.assert_allclose(s_gpu[key], s_cpu[key], **TOL)


def test_regularization():
    assert regularization.l2_penalty(Z, 0.1, target="cuda") == pytest.approx(
        regularization.l2_penalty(Z, 0.1, target="cpu"), rel=1e-6
    )
    g_cpu, g_gpu = U.copy(), U.copy()
    regularization.l2_grad(g_cpu, Z, 0.1, target="cpu")
    regularization.l2_grad(g_gpu, Z, 0.1, target="cuda")
    np.testing.assert_allclose(g_gpu, g_cpu, **TOL)
    mask = regularization.dropout_mask(Z.shape, 0.7, seed=1, dtype=np.float32)
    for fn in (regularization.dropout_forward, regularization.dropout_backward):
        cpu, gpu = both(fn, Z, mask, 0.7)
        np.testing.assert_allclose(gpu, cpu, **TOL)


def test_training_loop():
    X = RNG.standard_normal((13, 5)).astype(np.float32)
    labels = RNG.integers(0, 3, 13)
    nets = {
        t: mlp_mod.MLP([5, 7, 3], ["tanh", "identity"], dtype=np.float32, seed=3) for t in ("cpu", "cuda")
    }
    hist = {
        t: train_mod.train(
            nets[t],
            X,
            labels,
            optimizer="adam",
            hp={"lr": 0.05},
            epochs=2,
            batch_size=5,
            seed=9,
            loss="softmax_cross_entropy",
            l2=0.01,
            target=t,
        )
        for t in nets
    }
    np.testing.assert_allclose(hist["cuda"], hist["cpu"], rtol=1e-5)
    # Adam's step is about lr whatever the gradient's size, so float32 rounding of a near-zero gradient
    # moves a weight by up to ~1e-6 between two correct implementations; 1e-5 absolute is float32 agreement.
    np.testing.assert_allclose(nets["cuda"].params, nets["cpu"].params, rtol=1e-5, atol=1e-5)

"""CUDA activations against the plain-Python rules (float64) and the CPU kernels, over several blocks."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from cuda_reference import rule_map
from numba import cuda

import kernels.cuda as kc
from kernels import rules
from kernels.cuda import _arrays
from kernels.cuda import activations as _acts

pytestmark = pytest.mark.usefixtures("small_launch")

TOL = {np.float32: dict(rtol=2e-6, atol=2e-7), np.float64: dict(rtol=1e-13, atol=1e-15)}
ALPHA = {"leaky_relu": 0.1, "elu": 0.7}
NAMES = ["step", "sigmoid", "tanh", "relu", "leaky_relu", "elu"]


def _z(dtype, n: int = 101) -> np.ndarray:
    """``n`` points over [-6, 6], exactly 0 in the middle (where step, relu and their derivatives switch)."""
    return np.linspace(-6.0, 6.0, n).astype(dtype)


def _rule_args(name):
    return {"scalars": (ALPHA[name],)} if name in ALPHA else {}


def test_launch_covers_several_blocks_and_loops(small_launch):
    assert small_launch.blocks_for(101) == 3
    assert 101 > 3 * small_launch.THREADS_PER_BLOCK


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_forward_and_backward_match_rules(name, dtype):
    z = _z(dtype)
    hp = {"alpha": ALPHA[name]} if name in ALPHA else {}
    (want_f,) = rule_map(getattr(rules, name), z, **_rule_args(name))
    (want_d,) = rule_map(getattr(rules, name + "_grad"), z, **_rule_args(name))
    got_f = kc.forward(name, z, **hp)
    got_d = kc.backward(name, z, **hp)
    assert got_f.dtype == dtype and got_d.dtype == dtype
    np.testing.assert_allclose(got_f, want_f, **TOL[dtype], err_msg=name)
    np.testing.assert_allclose(got_d, want_d, **TOL[dtype], err_msg=name)


@pytest.mark.parametrize("name", NAMES)
def test_chain_is_upstream_times_derivative(name):
    z = _z(np.float64)
    g = np.cos(np.arange(z.size, dtype=np.float64))
    (deriv,) = rule_map(getattr(rules, name + "_grad"), z, **_rule_args(name))
    out = cuda.device_array_like(z)
    hp = {"alpha": ALPHA[name]} if name in ALPHA else {}
    _acts.chain(name, cuda.to_device(g), cuda.to_device(z), out, **hp)
    np.testing.assert_allclose(out.copy_to_host(), g * deriv, rtol=1e-13, atol=1e-15)


def test_device_in_device_out_and_host_out():
    z = _z(np.float32, 100).reshape(4, 25)
    zd = cuda.to_device(z)
    got = kc.forward("tanh", zd)
    assert _arrays.is_device(got)
    out = np.empty_like(z)
    assert kc.sigmoid(z, out) is out
    host_out = np.empty_like(z)
    assert kc.forward("tanh", zd, host_out) is host_out
    np.testing.assert_allclose(host_out, np.tanh(z.astype(np.float64)), rtol=2e-6, atol=2e-7)
    np.testing.assert_allclose(got.copy_to_host(), np.tanh(z.astype(np.float64)), rtol=2e-6, atol=2e-7)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-z.astype(np.float64))), rtol=2e-6, atol=2e-7)


def test_softmax_rows_match_numpy():
    rng = np.random.default_rng(1)
    z = (rng.standard_normal((29, 5)) * 30).astype(np.float32)
    z64 = z.astype(np.float64)
    e = np.exp(z64 - z64.max(1, keepdims=True))
    got = kc.softmax(z)
    np.testing.assert_allclose(got, e / e.sum(1, keepdims=True), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got.sum(1), 1.0, rtol=1e-6)


def test_unknown_activation_and_stray_hyperparameter_are_refused():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        kc.forward("swish", np.zeros(3))
    with pytest.raises(TypeError, match="takes no hyperparameter"):
        kc.forward("relu", np.zeros(3), alpha=0.1)


@pytest.mark.parametrize("name", NAMES)
def test_agrees_with_cpu_kernels(name):
    cpu = importlib.import_module("kernels.cpu.activations")
    z = _z(np.float32)
    alpha = ALPHA.get(name, 0.0)
    want_f, want_d = np.empty_like(z), np.empty_like(z)
    cpu.forward(cpu.CODES[name], z, want_f, alpha)
    cpu.derivative(cpu.CODES[name], z, np.ones_like(z), want_d, alpha)
    hp = {"alpha": alpha} if name in ALPHA else {}
    np.testing.assert_allclose(kc.forward(name, z, **hp), want_f, rtol=2e-6, atol=2e-7)
    np.testing.assert_allclose(kc.backward(name, z, **hp), want_d, rtol=2e-6, atol=2e-7)

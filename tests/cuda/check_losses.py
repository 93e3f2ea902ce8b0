"""CUDA losses against NumPy float64 formulas and the CPU kernels (several blocks per reduction)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from cuda_reference import losses as ref_losses
from numba import cuda

import kernels.cuda as kc
from kernels.cuda import _arrays

pytestmark = pytest.mark.usefixtures("small_launch")

NAMES = ["quadratic", "mse", "binary_cross_entropy", "softmax_cross_entropy"]


def _data(name: str, dtype, shape=(13, 7)):
    rng = np.random.default_rng(7)
    if name == "binary_cross_entropy":
        p = rng.uniform(0.02, 0.98, shape)
        y = (rng.random(shape) < 0.5).astype(float)
    elif name == "softmax_cross_entropy":
        p = rng.standard_normal(shape) * 4
        y = np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    else:
        p, y = rng.standard_normal(shape), rng.standard_normal(shape)
    return p.astype(dtype), y.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_loss_and_gradient_match_numpy(name, dtype):
    p, y = _data(name, dtype)
    want_j, want_g = ref_losses(name, p, y)
    j, g = getattr(kc, name)(p, y)
    rtol = 2e-6 if dtype == np.float32 else 1e-12
    assert isinstance(j, float) and g.dtype == dtype
    np.testing.assert_allclose(j, want_j, rtol=rtol)
    np.testing.assert_allclose(g, want_g, rtol=rtol * 5, atol=rtol * np.abs(want_g).max())


def test_quadratic_matches_the_report_example():
    j, g = kc.quadratic(np.array([[0.5]]), np.array([[1.0]]))
    assert j == pytest.approx(0.125) and g[0, 0] == pytest.approx(-0.5)


def test_integer_labels_equal_one_hot():
    p, y = _data("softmax_cross_entropy", np.float64)
    j1, g1 = kc.softmax_cross_entropy(p, y)
    j2, g2 = kc.softmax_cross_entropy(p, y.argmax(1))
    assert j1 == pytest.approx(j2, rel=1e-14)
    np.testing.assert_array_equal(g1, g2)


def test_device_inputs_give_device_outputs():
    p, y = _data("quadratic", np.float32)
    j, g = kc.mse(cuda.to_device(p), cuda.to_device(y))
    assert _arrays.is_device(j) and _arrays.is_device(g)
    want_j, want_g = ref_losses("mse", p, y)
    np.testing.assert_allclose(j.copy_to_host()[0], want_j, rtol=2e-6)
    np.testing.assert_allclose(g.copy_to_host(), want_g, rtol=1e-5, atol=1e-8)


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="does not match"):
        kc.quadratic(np.zeros((3, 2)), np.zeros((2, 3)))


@pytest.mark.parametrize("name", NAMES)
def test_agrees_with_cpu_kernels(name):
    cpu = importlib.import_module("kernels.cpu.losses")
    p, y = _data(name, np.float32)
    grad = np.empty_like(p)
    want_j = cpu.loss_and_grad(cpu.CODES[name], p, y, grad, 1e-7)
    j, g = getattr(kc, name)(p, y)
    np.testing.assert_allclose(j, want_j, rtol=2e-6)
    np.testing.assert_allclose(g, grad, rtol=1e-5, atol=1e-6 * np.abs(grad).max())

"""The worked examples of the course report, computed by the kernels (sections in each test name)."""

from __future__ import annotations

import numpy as np
import pytest

from kernels import activations, layers, losses, optim


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_perceptron_step_outputs_1_2(dtype):
    X = np.array([[1, 1], [0, 1], [1, 0], [0, 0]], dtype=dtype)
    W = np.array([[1, -1]], dtype=dtype)
    b = np.zeros(1, dtype=dtype)
    y, z = layers.dense_forward(X, W, b, "step")
    np.testing.assert_array_equal(z[:, 0], [0, -1, 1, 0])
    np.testing.assert_array_equal(y[:, 0], [1, 0, 1, 1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_values_1_3_5(dtype):
    s = activations.sigmoid(np.array([-1.0, 0.0, 2.0], dtype=dtype))
    assert s.dtype == dtype
    np.testing.assert_allclose(s, [0.2689, 0.5, 0.8808], atol=5e-5)
    assert s[1] == 0.5


def test_two_layer_network_1_4_2():
    x = np.array([[2.0]])
    h, _ = layers.dense_forward(x, np.array([[0.5]]), np.array([-1.0]), "sigmoid")
    y, _ = layers.dense_forward(h, np.array([[1.0]]), np.array([0.0]), "sigmoid")
    assert h[0, 0] == 0.5
    assert y[0, 0] == pytest.approx(0.6225, abs=5e-5)


def test_forward_pass_2_3_3():
    y, z = layers.dense_forward(np.array([[2.0]]), np.array([[0.5]]), np.array([-1.0]), "sigmoid")
    assert z[0, 0] == 0.0
    assert y[0, 0] == 0.5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_quadratic_cost_and_derivative_2_3_6(dtype):
    cost, grad = losses.quadratic(np.array([0.5], dtype=dtype), np.array([1.0], dtype=dtype))
    assert cost == 0.125
    assert grad.dtype == dtype
    np.testing.assert_array_equal(grad, [-0.5])


@pytest.mark.parametrize("parallel", [False, True])
def test_gradient_descent_on_w_minus_3_squared_3_1_2(parallel):
    w = np.zeros(1)
    g = 2 * (w - 3)
    assert g[0] == -6
    optim.sgd_step(w, g, lr=0.1, parallel=parallel)
    assert w[0] == pytest.approx(0.6, abs=1e-15)

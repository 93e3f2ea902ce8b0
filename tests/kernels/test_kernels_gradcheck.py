"""Finite-difference checks in float64 (norm-wise relative error < 1e-6, centred differences, h = 1e-6).

Hypothesis draws the shapes and a seed; the values come from ``numpy.random.default_rng(seed)``, away from
the kinks of step/ReLU/Leaky ReLU/ELU (``|z| > 1e-3``) where the derivative is one-sided.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kernel_checks import FEW_EXAMPLES, GRAD_RTOL, numerical_gradient, rel_error

from kernels import activations, layers, losses
from kernels.mlp import MLP

seeds = st.integers(0, 2**32 - 1)
dims = st.integers(1, 6)


def _away_from_kinks(rng, shape):
    z = rng.normal(scale=2.0, size=shape)
    return np.where(np.abs(z) < 1e-3, 0.5, z)


@pytest.mark.parametrize("name", activations.NAMES)
@FEW_EXAMPLES
@given(batch=dims, width=dims, seed=seeds)
def test_activation_derivatives(name, batch, width, seed):
    rng = np.random.default_rng(seed)
    z = _away_from_kinks(rng, (batch, width))
    upstream = rng.normal(size=z.shape)
    numeric = numerical_gradient(lambda: float((activations.forward(name, z) * upstream).sum()), z)
    analytic = activations.backward(name, z, upstream=upstream)
    assert rel_error(analytic, numeric) < GRAD_RTOL


@FEW_EXAMPLES
@given(batch=dims, width=st.integers(2, 6), seed=seeds)
def test_softmax_vector_jacobian(batch, width, seed):
    from kernels.cpu import activations as cpu

    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3.0, size=(batch, width))
    upstream = rng.normal(size=z.shape)
    numeric = numerical_gradient(lambda: float((activations.softmax(z) * upstream).sum()), z)
    analytic = np.empty_like(z)
    cpu.backward2d(cpu.SOFTMAX, z, activations.softmax(z), upstream, analytic, 0.0)
    assert rel_error(analytic, numeric) < GRAD_RTOL


def _loss_inputs(name, rng, batch, width):
    if name == "binary_cross_entropy":
        return rng.uniform(0.05, 0.95, size=(batch, width)), rng.uniform(0.0, 1.0, size=(batch, width))
    if name == "softmax_cross_entropy":
        return rng.normal(scale=3.0, size=(batch, width)), np.eye(width)[rng.integers(0, width, batch)]
    return rng.normal(size=(batch, width)), rng.normal(size=(batch, width))


@pytest.mark.parametrize("name", ["quadratic", "mse", "binary_cross_entropy", "softmax_cross_entropy"])
@FEW_EXAMPLES
@given(batch=dims, width=dims, seed=seeds)
def test_loss_gradients(name, batch, width, seed):
    rng = np.random.default_rng(seed)
    y_hat, y = _loss_inputs(name, rng, batch, width)
    loss = losses.by_name(name)
    numeric = numerical_gradient(lambda: loss(y_hat, y)[0], y_hat)
    assert rel_error(loss(y_hat, y)[1], numeric) < GRAD_RTOL


@FEW_EXAMPLES
@given(batch=dims, n_in=dims, n_out=dims, seed=seeds)
def test_dense_backward(batch, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    a_prev, W, b = rng.normal(size=(batch, n_in)), rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)
    upstream = rng.normal(size=(batch, n_out))

    def objective():
        return float((layers.dense_forward(a_prev, W, b, "identity")[1] * upstream).sum())

    dW, db, da_prev = layers.dense_backward(upstream, a_prev, W)
    for analytic, x in ((dW, W), (db, b), (da_prev, a_prev)):
        assert rel_error(analytic, numerical_gradient(objective, x)) < GRAD_RTOL


HIDDEN = ["sigmoid", "tanh", "relu", ("leaky_relu", 0.1), ("elu", 0.8), "identity"]
HEADS = {
    "quadratic": ["identity", "sigmoid", "softmax", "tanh"],
    "mse": ["identity", "elu"],
    "binary_cross_entropy": ["sigmoid"],
    "softmax_cross_entropy": ["identity"],
}


@FEW_EXAMPLES
@given(
    widths=st.lists(dims, min_size=2, max_size=4),
    hidden=st.lists(st.sampled_from(HIDDEN), min_size=3, max_size=3),
    loss=st.sampled_from(sorted(HEADS)),
    head=st.integers(0, 3),
    batch=dims,
    seed=seeds,
)
def test_mlp_backward(widths, hidden, loss, head, batch, seed):
    heads = HEADS[loss]
    out_act = heads[head % len(heads)]
    n_out = max(widths[-1], 2) if out_act == "softmax" else widths[-1]
    sizes = [*widths[:-1], n_out]
    net = MLP(sizes, [*hidden[: len(sizes) - 2], out_act], seed=seed % 1000)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, sizes[0]))
    if loss == "softmax_cross_entropy":
        Y = rng.integers(0, n_out, size=batch)
    elif loss == "binary_cross_entropy":
        Y = rng.uniform(0, 1, size=(batch, n_out))
    else:
        Y = rng.normal(size=(batch, n_out))
    net.loss_and_grad(X, Y, loss)
    analytic = net.grads.copy()
    numeric = numerical_gradient(lambda: net.loss_and_grad(X, Y, loss), net.params)
    assert rel_error(analytic, numeric) < GRAD_RTOL

"""The bad-input suite on both targets: every public operation checks its arguments before any kernel runs,
with the same one-line error on the CPU and on CUDA (front doors with ``target="cuda"`` and the
``kernels.cuda`` functions themselves), and leaves its in-place arguments untouched."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

import kernels.cuda as kc
from kernels import activations, layers, losses, optim, regularization
from kernels import train as train_mod
from kernels.cuda import train as cuda_train
from kernels.mlp import MLP

pytestmark = pytest.mark.usefixtures("small_launch")

RNG = np.random.default_rng(0)
Z = RNG.standard_normal((3, 4)).astype(np.float32)
P = (1 / (1 + np.exp(-Z))).astype(np.float32)
Y = (Z > 0).astype(np.float32)
W = RNG.standard_normal((2, 4)).astype(np.float32)
B = np.zeros(2, np.float32)
X = RNG.standard_normal((6, 4))
LABELS = np.array([0, 1, 0, 1, 1, 0])


def _train(target, **overrides):
    net = MLP([4, 3, 2], ["tanh", "identity"], seed=0)
    settings = {
        "optimizer": "adam",
        "hp": {"lr": 0.1},
        "epochs": 1,
        "batch_size": 2,
        "seed": 0,
        "loss": "softmax_cross_entropy",
        **overrides,
    }
    return train_mod.train(net, X, LABELS, target=target, **settings)


# (id, call(target), exception, message): each call is run on both targets.
CASES = [
    ("adam lr", lambda t: _adam(t, lr=-1.0, beta1=1.5), ValueError, r"lr must be >= 0\.0"),
    ("adam beta1", lambda t: _adam(t, lr=0.1, beta1=1.5), ValueError, r"beta1 must be < 1\.0"),
    ("adam nan eps", lambda t: _adam(t, lr=0.1, eps=math.nan), ValueError, "eps must be finite"),
    ("adam stray keyword", lambda t: _adam(t, lr=0.1, beta=0.9), TypeError, r"takes \['lr'"),
    ("unknown optimizer", lambda t: _step(t, "adamw"), ValueError, "unknown optimizer 'adamw'"),
    ("missing state", lambda t: optim.momentum_step(Z.copy(), Z, {}, lr=0.1, target=t), ValueError, "no 'v'"),
    ("lookahead lr", lambda t: _lookahead(t, lr=-0.5), ValueError, r"lr must be >= 0\.0"),
    ("unknown activation", lambda t: activations.forward("gelu", Z, target=t), ValueError, "unknown activ"),
    ("stray alpha", lambda t: activations.forward("relu", Z, target=t, alpha=0.1), TypeError, "takes no"),
    ("nan alpha", lambda t: activations.leaky_relu(Z, alpha=math.nan, target=t), ValueError, "alpha must be"),
    ("inf alpha", lambda t: activations.backward("elu", Z, target=t, alpha=math.inf), ValueError, "alpha"),
    ("layer activation", lambda t: layers.dense_forward(Z, W, B, "gelu", target=t), ValueError, "unknown"),
    ("layer alpha", lambda t: layers.dense_forward(Z, W, B, "relu", alpha=0.1, target=t), TypeError, "alpha"),
    ("bce eps", lambda t: losses.binary_cross_entropy(P, Y, eps=0.0, target=t), ValueError, r"eps must be >"),
    ("l2 lam", lambda t: regularization.l2_penalty(Z, -1.0, target=t), ValueError, r"lam must be >= 0\.0"),
    (
        "l2 grad lam",
        lambda t: regularization.l2_grad(Z.copy(), Z, math.nan, target=t),
        ValueError,
        "lam must",
    ),
    ("dropout p", lambda t: regularization.dropout_forward(Z, Y, 0.0, target=t), ValueError, r"p must be >"),
    (
        "dropout p > 1",
        lambda t: regularization.dropout_backward(Z, Y, 1.5, target=t),
        ValueError,
        "p must be",
    ),
    ("train lr", lambda t: _train(t, hp={"lr": -1.0}), ValueError, r"lr must be >= 0\.0"),
    ("train epochs", lambda t: _train(t, epochs=0), ValueError, "epochs must be >= 1"),
    ("train seed", lambda t: _train(t, seed=-1), ValueError, "seed must be an int"),
    ("train l2", lambda t: _train(t, l2=-0.1), ValueError, r"l2 must be >= 0\.0"),
    ("train loss", lambda t: _train(t, loss="hinge"), ValueError, "unknown loss 'hinge'"),
]


def _adam(target, **hp):
    w = Z.copy()
    state = optim.init_state("adam", w)
    try:
        optim.adam_step(w, Z, state, target=target, **hp)
    finally:
        np.testing.assert_array_equal(w, Z)  # nothing moved
        assert state["t"] == 0 and not state["m"].any()


def _step(target, name):
    optim.step(name, Z.copy(), Z, {}, lr=0.1, target=target)


def _lookahead(target, **hp):
    optim.nesterov_lookahead(Z, optim.init_state("momentum", Z), target=target, **hp)


@pytest.mark.parametrize("target", ["cpu", "cuda"])
@pytest.mark.parametrize(("call", "error", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_on_both_targets(call, error, message, target):
    with pytest.raises(error, match=message):
        call(target)


def test_an_unknown_target_is_refused():
    with pytest.raises(ValueError, match="target must be one of"):
        optim.adam_step(Z.copy(), Z, optim.init_state("adam", Z), lr=0.1, target="gpu")


DIRECT = [
    ("adam", lambda: _direct_adam(lr=-1.0, beta1=1.5), ValueError, r"lr must be >= 0\.0"),
    ("leaky_relu", lambda: kc.leaky_relu(Z, alpha=math.nan), ValueError, "alpha must be finite"),
    ("backward", lambda: kc.backward("relu", Z, alpha=0.5), TypeError, "takes no"),
    ("dense_forward", lambda: kc.dense_forward(Z, W, B, "relu", alpha=0.1), TypeError, "takes no alpha"),
    ("bce", lambda: kc.binary_cross_entropy(P, Y, eps=0.7), ValueError, r"eps must be < 0\.5"),
    ("l2_penalty", lambda: kc.l2_penalty(Z, -1.0), ValueError, r"lam must be >= 0\.0"),
    ("l2_grad", lambda: kc.l2_grad(Z.copy(), Z, -1.0), ValueError, r"lam must be >= 0\.0"),
    ("dropout_mask", lambda: kc.dropout_mask((2, 2), 0.0, seed=0), ValueError, r"p must be > 0\.0"),
    ("dropout seed", lambda: kc.dropout_mask((2, 2), 0.5, seed=-3), ValueError, "seed must be an int"),
    ("dropout_forward", lambda: kc.dropout_forward(Z, Y, 2.0), ValueError, r"p must be <= 1\.0"),
    ("train", lambda: _direct_train(epochs=0), ValueError, "epochs must be >= 1"),
    ("train hp", lambda: _direct_train(hp={"lr": 0.1, "beta1": 1.0}), ValueError, r"beta1 must be < 1\.0"),
]


def _direct_adam(**hp):
    w = Z.copy()
    state = kc.init_state("adam", w)
    try:
        kc.adam_step(w, Z, state, **hp)
    finally:
        np.testing.assert_array_equal(w, Z)
        assert state["t"] == 0


def _direct_train(**overrides):
    net = MLP([4, 3, 2], ["tanh", "identity"], seed=0)
    mlp = types.SimpleNamespace(W=net.W, b=net.b, activations=net.activations)
    settings = {"optimizer": "adam", "hp": {"lr": 0.1}, "epochs": 1, "batch_size": 2, "seed": 0, **overrides}
    cuda_train.train(mlp, X, np.eye(2)[LABELS], loss="quadratic", **settings)


@pytest.mark.parametrize(("call", "error", "message"), [c[1:] for c in DIRECT], ids=[c[0] for c in DIRECT])
def test_kernels_cuda_functions_check_their_arguments_too(call, error, message):
    with pytest.raises(error, match=message):
        call()

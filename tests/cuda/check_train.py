"""The on-device training loop against the CPU training loop (same shuffles, same weights) and a NumPy
float64 check that the loss goes down."""

from __future__ import annotations

import importlib
import types

import numpy as np
import pytest
from cuda_reference import mlp_loss

from kernels.cuda.train import train as device_train

pytestmark = pytest.mark.usefixtures("small_launch")

SIZES = (5, 6, 3)
N, EPOCHS, BATCH, SEED = 13, 2, 5, 3  # 13 rows in batches of 5: the last batch of each epoch is short


@pytest.fixture(autouse=True)
def _one_tile_per_product(monkeypatch, small_launch):
    """The tiled product is checked over several tiles in check_layers; here one 8x8 tile keeps it fast."""
    monkeypatch.setattr(small_launch, "TILE", 8)


def _problem(loss: str):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, SIZES[0]))
    if loss == "softmax_cross_entropy":
        Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], N)]
    elif loss == "binary_cross_entropy":
        Y = (rng.random((N, SIZES[-1])) < 0.5).astype(float)
    else:
        Y = rng.standard_normal((N, SIZES[-1]))
    Ws = [rng.standard_normal((SIZES[k + 1], SIZES[k])) * 0.5 for k in range(len(SIZES) - 1)]
    bs = [rng.standard_normal(SIZES[k + 1]) * 0.1 for k in range(len(SIZES) - 1)]
    return X, Y, Ws, bs


CASES = [
    (
        "adam",
        {"lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "l2": 0.01},
        ("tanh", "identity"),
        "softmax_cross_entropy",
    ),
    ("nesterov", {"lr": 0.1, "beta": 0.9}, ("relu", "identity"), "quadratic"),
    ("rmsprop", {"lr": 0.01, "beta": 0.9, "eps": 1e-8}, ("tanh", "sigmoid"), "binary_cross_entropy"),
]


@pytest.mark.parametrize(("optimizer", "hp", "acts", "loss"), CASES, ids=[c[0] for c in CASES])
def test_matches_cpu_training_loop(optimizer, hp, acts, loss):
    cpu = importlib.import_module("kernels.cpu.train")
    codes = importlib.import_module("kernels.cpu.activations").CODES
    loss_codes = importlib.import_module("kernels.cpu.losses").CODES
    X, Y, Ws, bs = _problem(loss)
    params = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in zip(Ws, bs, strict=True)])
    cpu_losses = np.zeros(EPOCHS)
    beta1 = hp.get("beta1", hp.get("beta", 0.0))
    cpu.train(
        params,
        np.array(SIZES),
        np.array([codes[a] for a in acts]),
        np.zeros(len(acts)),
        X,
        Y,
        loss_codes[loss],
        1e-7,
        cpu.CODES[optimizer],
        hp["lr"],
        beta1,
        hp.get("beta2", 0.0),
        hp.get("eps", 0.0),
        hp.get("l2", 0.0),
        EPOCHS,
        BATCH,
        SEED,
        cpu_losses,
    )
    mlp = types.SimpleNamespace(W=[W.copy() for W in Ws], b=[b.copy() for b in bs], activations=acts)
    got = device_train(
        mlp, X, Y, optimizer=optimizer, hp=hp, epochs=EPOCHS, batch_size=BATCH, seed=SEED, loss=loss
    )
    np.testing.assert_allclose(got, cpu_losses, rtol=1e-12)
    trained = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in zip(mlp.W, mlp.b, strict=True)])
    np.testing.assert_allclose(trained, params, rtol=1e-10, atol=1e-12)


def test_float32_training_lowers_the_loss():
    X, Y, Ws, bs = _problem("quadratic")
    before = mlp_loss(list(zip(Ws, bs, strict=True)), ("tanh", "identity"), X, Y, "quadratic")
    mlp = types.SimpleNamespace(
        W=[W.astype(np.float32) for W in Ws],
        b=[b.astype(np.float32) for b in bs],
        activations=("tanh", "identity"),
    )
    losses = device_train(mlp, X, Y, optimizer="sgd", hp={"lr": 0.1}, epochs=3, batch_size=13, seed=0)
    after = mlp_loss(list(zip(mlp.W, mlp.b, strict=True)), ("tanh", "identity"), X, Y, "quadratic")
    assert mlp.W[0].dtype == np.float32
    # Full batch: each epoch's loss is the loss before that epoch's step, so the first is the initial loss.
    assert losses[0] == pytest.approx(before, rel=1e-5)
    assert after < losses[-1] < losses[0]


def test_bad_arguments_are_refused():
    X, Y, Ws, bs = _problem("quadratic")
    mlp = types.SimpleNamespace(W=Ws, b=bs, activations=("tanh", "identity"))
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        device_train(mlp, X, Y, optimizer="sgd", hp={"lr": 0.1}, epochs=1, batch_size=4, seed=0, loss="hinge")
    with pytest.raises(ValueError, match="do not fit"):
        device_train(mlp, X[:, :3], Y, optimizer="sgd", hp={"lr": 0.1}, epochs=1, batch_size=4, seed=0)


def test_trainer_step_on_device_arrays_matches_cpu_gradient_step():
    mlp_mod = importlib.import_module("kernels.mlp")
    from numba import cuda

    from kernels.cuda import _arrays
    from kernels.cuda.train import DeviceNet, DeviceTrainer

    X, Y, _, _ = _problem("quadratic")
    cpu = mlp_mod.MLP(SIZES, ["tanh", "identity"], dtype=np.float64, seed=4)
    net = DeviceNet.from_host(cpu.W, cpu.b, cpu.activations)
    trainer = DeviceTrainer(
        net, optimizer="momentum", hp={"lr": 0.1, "beta": 0.5}, loss="quadratic", max_batch=N
    )
    total = trainer.step(cuda.to_device(X), cuda.to_device(Y))
    assert _arrays.is_device(total) and _arrays.is_device(trainer.state["v"])
    loss = cpu.loss_and_grad(X, Y, "quadratic")
    v = 0.5 * cpu.grads
    assert total.copy_to_host()[0] == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(trainer.state["v"].copy_to_host(), v, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.params.copy_to_host(), cpu.params - 0.1 * v, rtol=1e-12, atol=1e-15)

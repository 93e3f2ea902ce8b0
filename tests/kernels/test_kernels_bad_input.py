"""Bad input gets a clear TypeError/ValueError before any Numba code runs; NaN propagates as documented."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import kernels
from kernels import activations, layers, losses, optim, regularization
from kernels.mlp import MLP
from kernels.train import train


def test_optimizer_rejects_mismatched_shapes_dtypes_and_layouts():
    w = np.zeros(6)
    state = optim.init_state("adam", w)
    with pytest.raises(ValueError, match=r"g has shape \(5,\) but w has shape \(6,\)"):
        optim.adam_step(w, np.zeros(5), state, lr=0.1)
    with pytest.raises(TypeError, match="g has dtype float32 but w has dtype float64"):
        optim.adam_step(w, np.zeros(6, dtype=np.float32), state, lr=0.1)
    with pytest.raises(ValueError, match="w must be C-contiguous"):
        optim.sgd_step(np.zeros(12)[::2], np.zeros(6), lr=0.1)
    with pytest.raises(TypeError, match="dtype float32 or float64, got int64"):
        optim.sgd_step(np.zeros(6, dtype=np.int64), np.zeros(6, dtype=np.int64), lr=0.1)
    with pytest.raises(TypeError, match=r"numpy\.ndarray"):
        optim.sgd_step([0.0, 1.0], np.zeros(2), lr=0.1)
    with pytest.raises(ValueError, match="state has no 'v'"):
        optim.momentum_step(w, w.copy(), {}, lr=0.1)
    with pytest.raises(ValueError, match=r"state\['t'\] must be a non-negative int"):
        optim.adam_step(w, w.copy(), {**state, "t": -1}, lr=0.1)
    frozen = np.zeros(6)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="w must be writeable"):
        optim.sgd_step(frozen, np.zeros(6), lr=0.1)


@pytest.mark.parametrize(
    ("hp", "message"),
    [
        ({"lr": -0.1}, "lr must be >= 0.0"),
        ({"lr": float("nan")}, "lr must be finite"),
        ({"lr": 0.1, "beta1": 1.0}, "beta1 must be < 1.0"),
        ({"lr": 0.1, "eps": 0.0}, "eps must be > 0.0"),
    ],
)
def test_optimizer_rejects_bad_hyperparameters(hp, message):
    w = np.zeros(3)
    with pytest.raises(ValueError, match=message):
        optim.adam_step(w, w.copy(), optim.init_state("adam", w), **hp)


def test_unknown_names_and_targets():
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        optim.init_state("adamw", np.zeros(2))
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        activations.forward("gelu", np.zeros(2))
    with pytest.raises(TypeError, match="takes no hyperparameter"):
        activations.forward("relu", np.zeros(2), alpha=0.1)
    with pytest.raises(ValueError, match="target must be one of"):
        optim.sgd_step(np.zeros(2), np.zeros(2), lr=0.1, target="gpu")


def test_layers_and_losses_check_shapes():
    with pytest.raises(ValueError, match=r"W has shape \(3, 4\) \(n_out, n_in\) but a_prev has 5 features"):
        layers.dense_forward(np.zeros((2, 5)), np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match=r"b must have shape \(3,\)"):
        layers.dense_forward(np.zeros((2, 4)), np.zeros((3, 4)), np.zeros(2))
    with pytest.raises(ValueError, match="a_prev must be 2-D"):
        layers.dense_forward(np.zeros(4), np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="y has shape"):
        losses.mse(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"p must be > 0\.0"):
        regularization.dropout_mask((2, 2), 0.0, seed=0)


def test_mlp_and_training_check_their_inputs():
    net = MLP([4, 3, 2], ["relu", "identity"])
    with pytest.raises(ValueError, match="X has 5 features but the network expects 4"):
        net.forward(np.zeros((2, 5)))
    with pytest.raises(TypeError, match="X has dtype float32 but the network is float64"):
        net.forward(np.zeros((2, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="make the last activation 'identity'"):
        MLP([4, 2], ["softmax"]).loss_and_grad(np.zeros((2, 4)), np.array([0, 1]), "softmax_cross_entropy")
    with pytest.raises(ValueError, match="2 layers need 2 activations"):
        MLP([4, 3, 2], ["relu"])
    with pytest.raises(ValueError, match="hp must give the learning rate"):
        train(
            net,
            np.zeros((2, 4)),
            np.array([0, 1]),
            optimizer="sgd",
            hp={},
            epochs=1,
            batch_size=1,
            seed=0,
            loss="softmax_cross_entropy",
        )
    with pytest.raises(TypeError, match="takes"):
        train(
            net,
            np.zeros((2, 4)),
            np.array([0, 1]),
            optimizer="sgd",
            hp={"lr": 0.1, "beta": 0.9},
            epochs=1,
            batch_size=1,
            seed=0,
            loss="softmax_cross_entropy",
        )


def test_nan_in_gradients_propagates_elementwise_and_check_finite_reports_it():
    w = np.ones(5)
    g = np.array([0.1, np.nan, 0.1, np.inf, 0.1])
    state = optim.init_state("adam", w)
    optim.adam_step(w, g, state, lr=0.1)
    assert np.isnan(w[1]) and np.isnan(w[3])
    assert np.isfinite(w[[0, 2, 4]]).all()
    with pytest.raises(FloatingPointError, match=r"g holds 2 non-finite value\(s\), first at flat index 1"):
        kernels.check_finite(g=g)
    kernels.check_finite(g=np.zeros(3))


def test_cuda_target_without_gpu_names_the_extra():
    from numba import cuda

    if cuda.is_available():
        pytest.skip("a CUDA device (or the simulator) is available here")
    with pytest.raises(RuntimeError, match=r"deepgrade\[cuda\]"):
        optim.sgd_step(np.zeros(2), np.zeros(2), lr=0.1, target="cuda")


def test_import_kernels_is_lazy():
    code = (
        "import sys, kernels; assert 'numba' not in sys.modules, 'numba imported'; print(kernels.optim.NAMES)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "adam" in out.stdout


def test_arrays_that_went_through_pickle_are_accepted():
    """An unpickled array has a dtype object of its own (equal to NumPy's float64, not the same object):
    the fast dtype tests by identity must fall back to equality (the layers refused such a ``b`` once)."""
    import pickle

    def thawed(a):
        return pickle.loads(pickle.dumps(a))

    rng = np.random.default_rng(0)
    a, W, b = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)
    assert thawed(b).dtype is not b.dtype
    for args in ((thawed(a), W, b), (a, thawed(W), b), (a, W, thawed(b))):
        _, z = layers.dense_forward(*args, "tanh")
        np.testing.assert_allclose(z, a @ W.T + b, rtol=1e-12)
    delta = rng.normal(size=(4, 2))
    for args in ((thawed(delta), a, W), (delta, thawed(a), W), (delta, a, thawed(W))):
        dW, db, da = layers.dense_backward(*args)
        np.testing.assert_allclose(dW, delta.T @ a, rtol=1e-12)
        np.testing.assert_allclose(db, delta.sum(axis=0), rtol=1e-12)
        np.testing.assert_allclose(da, delta @ W, rtol=1e-12)
    w, g = thawed(np.ones(3)), thawed(np.full(3, 0.5))
    state = {"m": thawed(np.zeros(3)), "v": np.zeros(3), "t": 0}
    optim.adam_step(w, g, state, lr=0.1)
    assert state["t"] == 1 and np.all(w < 1)


def test_a_step_counter_beyond_64_bits_is_a_one_line_error():
    w = np.ones(3)
    state = {**optim.init_state("adam", w), "t": 2**63 - 1}
    with pytest.raises(ValueError, match=r"state\['t'\] must be a non-negative int below 2\*\*63 - 1"):
        optim.adam_step(w, np.ones(3), state, lr=0.1)
    assert state["t"] == 2**63 - 1 and np.all(w == 1)


def test_layers_name_a_non_array_weight_and_kernels_refuse_a_matrix():
    """The layers work out the expected shape of ``b``/``delta`` only after ``W`` and ``a_prev`` passed
    their checks (a list or a 0-d ``W`` raised AttributeError/IndexError once); ``np.matrix`` stays 2-D
    through ``reshape(-1)``, and compiling a 1-D step for it crashed Numba (SIGSEGV)."""
    a, W, b, delta = np.ones((4, 3)), np.ones((2, 3)), np.ones(2), np.ones((4, 2))
    with pytest.raises(TypeError, match=r"W must be a numpy\.ndarray of float32 or float64, got list"):
        layers.dense_forward(a, [[1.0, 1.0, 1.0]], b)
    with pytest.raises(ValueError, match=r"W must be 2-D, got shape \(\)"):
        layers.dense_forward(a, np.array(1.0), b)
    with pytest.raises(TypeError, match=r"a_prev must be a numpy\.ndarray of float32 or float64, got int64"):
        layers.dense_backward(delta, np.int64(3), W)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # NumPy's advice against matrix
        m = np.matrix(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"w is a numpy\.matrix; pass np\.asarray\(w\)"):
        optim.momentum_step(m, np.ones((2, 2)), optim.init_state("momentum", np.ones((2, 2))), lr=0.1)
    with pytest.raises(TypeError, match=r"z is a numpy\.matrix"):
        activations.relu(m)

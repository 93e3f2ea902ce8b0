"""``target="cuda"`` hands the call to the function of the same name in the CUDA twin of its module
(``kernels.optim.adam_step`` -> ``kernels.optim.step``, validated, -> ``kernels.cuda.optim.step``)."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from kernels import activations, layers, losses, optim, regularization

TWINS = {
    "activations": ("forward", "backward", "softmax"),
    "losses": ("quadratic", "softmax_cross_entropy"),
    "layers": ("dense_forward",),
    "optim": ("step", "nesterov_lookahead", "init_state"),
    "regularization": ("dropout_forward", "l2_grad"),
}


@pytest.fixture
def fake_cuda(monkeypatch):
    calls = []
    package = types.ModuleType("kernels.cuda")
    package.available = True
    monkeypatch.setitem(sys.modules, "kernels.cuda", package)

    def recorder(module, name):
        def fn(*args, **kwargs):
            calls.append((f"{module}.{name}", args, kwargs))
            return f"{module}.{name}"

        return fn

    for module, names in TWINS.items():
        twin = types.ModuleType(f"kernels.cuda.{module}")
        for name in names:
            setattr(twin, name, recorder(module, name))
        monkeypatch.setitem(sys.modules, f"kernels.cuda.{module}", twin)
    return calls


def test_cuda_target_routes_to_the_twin_module(fake_cuda):
    z, w = np.zeros((2, 3)), np.zeros(4)
    state = {"m": w.copy(), "v": w.copy(), "t": 0}
    assert activations.elu(z, alpha=0.5, target="cuda") == "activations.forward"
    assert activations.step(z, target="cuda") == "activations.forward"
    assert activations.backward("tanh", z, upstream=z, target="cuda") == "activations.backward"
    assert losses.quadratic(z, z, target="cuda") == "losses.quadratic"
    assert layers.dense_forward(z, z, w, "relu", target="cuda") == "layers.dense_forward"
    assert optim.adam_step(w, w, state, lr=0.1, target="cuda") == "optim.step"
    assert regularization.dropout_forward(z, z, 0.5, target="cuda") == "regularization.dropout_forward"
    assert fake_cuda[0] == ("activations.forward", ("elu", z, None), {"alpha": 0.5})
    assert fake_cuda[1][:2] == ("activations.forward", ("step", z, None))
    assert fake_cuda[2][2] == {"upstream": z}
    _, args, kwargs = fake_cuda[5]
    assert args[0] == "adam" and kwargs == {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert state["t"] == 0  # the twin counts the step


def test_every_named_step_and_target_goes_through_one_validated_step(fake_cuda):
    w = np.zeros(4)
    v = {"v": w.copy()}
    optim.sgd_step(w, w, lr=0.1, target="cuda")
    optim.momentum_step(w, w, v, lr=0.1, target="cuda")
    optim.nesterov_step(w, w, v, lr=0.1, beta=0.5, target="cuda")
    optim.adagrad_step(w, w, {"G": w.copy()}, lr=0.1, target="cuda")
    optim.rmsprop_step(w, w, {"E": w.copy()}, lr=0.1, eps=1e-6, target="cuda")
    assert [(args[0], kwargs) for _, args, kwargs in fake_cuda] == [
        ("sgd", {"lr": 0.1}),
        ("momentum", {"lr": 0.1, "beta": 0.9}),
        ("nesterov", {"lr": 0.1, "beta": 0.5}),
        ("adagrad", {"lr": 0.1, "eps": 1e-8}),
        ("rmsprop", {"lr": 0.1, "beta": 0.9, "eps": 1e-6}),
    ]
    with pytest.raises(ValueError, match=r"beta must be < 1\.0"):
        optim.momentum_step(w, w, v, lr=0.1, beta=1.0, target="cuda")
    with pytest.raises(ValueError, match="state has no 'v'"):
        optim.momentum_step(w, w, {}, lr=0.1, target="cuda")
    with pytest.raises(TypeError, match=r"optimizer 'sgd' takes \['lr'\], not \['beta'\]"):
        optim.step("sgd", w, w, {}, lr=0.1, beta=0.9, target="cuda")
    assert len(fake_cuda) == 5


def test_missing_cuda_function_is_a_clear_error(fake_cuda):
    with pytest.raises(RuntimeError, match=r"kernels\.cuda\.losses has no mse"):
        losses.mse(np.zeros(2), np.zeros(2), target="cuda")


def test_unavailable_cuda_names_the_extra(fake_cuda):
    sys.modules["kernels.cuda"].available = False
    sys.modules["kernels.cuda"].unavailable_reason = "no GPU here"
    with pytest.raises(
        RuntimeError, match=r"no GPU here; install the CUDA extra \(pip install 'deepgrade\[cuda\]'\)"
    ):
        optim.sgd_step(np.zeros(2), np.zeros(2), lr=0.1, target="cuda")


BAD_CALLS = [
    (
        lambda z, w, t: optim.adam_step(w, w, optim.init_state("adam", w), lr=-1, beta1=1.5, target=t),
        "lr must",
    ),
    (lambda z, w, t: activations.forward("gelu", z, target=t), "unknown activation"),
    (lambda z, w, t: activations.leaky_relu(z, alpha=float("nan"), target=t), "alpha must be finite"),
    (lambda z, w, t: activations.backward("relu", z, alpha=0.1, target=t), "takes no hyperparameter"),
    (lambda z, w, t: layers.dense_forward(z, z, w, "relu", alpha=0.5, target=t), "takes no alpha"),
    (lambda z, w, t: losses.binary_cross_entropy(z, z, eps=0.0, target=t), r"eps must be > 0\.0"),
    (lambda z, w, t: regularization.l2_grad(z, z, -1.0, target=t), r"lam must be >= 0\.0"),
    (lambda z, w, t: regularization.dropout_forward(z, z, 0.0, target=t), r"p must be > 0\.0"),
]


@pytest.mark.parametrize(("call", "message"), BAD_CALLS)
def test_bad_arguments_never_reach_the_cuda_twin(fake_cuda, call, message):
    """Validation before dispatch: the front door refuses a bad call with the CPU's error on both targets."""
    z, w = np.zeros((2, 3)), np.zeros(4)
    errors = []
    for target in ("cpu", "cuda"):
        with pytest.raises((TypeError, ValueError), match=message) as info:
            call(z, w, target)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]
    assert fake_cuda == []

"""``target="cuda"`` hands the call, unchanged, to the function of the same name in ``kernels.cuda``."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from kernels import activations, layers, losses, optim, regularization


@pytest.fixture
def fake_cuda(monkeypatch):
    calls = []
    module = types.ModuleType("kernels.cuda")
    module.available = True

    def recorder(name):
        def fn(*args, **kwargs):
            calls.append((name, args, kwargs))
            return name

        return fn

    for name in (
        "forward",
        "backward",
        "softmax",
        "quadratic",
        "softmax_cross_entropy",
        "dense_forward",
        "adam_step",
        "nesterov_lookahead",
        "dropout_forward",
        "l2_grad",
    ):
        setattr(module, name, recorder(name))
    monkeypatch.setitem(sys.modules, "kernels.cuda", module)
    return calls


def test_cuda_target_routes_to_kernels_cuda(fake_cuda):
    z, w = np.zeros((2, 3)), np.zeros(4)
    state = {"m": w.copy(), "v": w.copy(), "t": 0}
    assert activations.elu(z, alpha=0.5, target="cuda") == "forward"
    assert activations.backward("tanh", z, upstream=z, target="cuda") == "backward"
    assert losses.quadratic(z, z, target="cuda") == "quadratic"
    assert layers.dense_forward(z, z, w, "relu", target="cuda") == "dense_forward"
    assert optim.adam_step(w, w, state, lr=0.1, target="cuda") == "adam_step"
    assert regularization.dropout_forward(z, z, 0.5, target="cuda") == "dropout_forward"
    assert fake_cuda[0] == ("forward", ("elu", z, None), {"alpha": 0.5})
    assert fake_cuda[1][2] == {"upstream": z}
    assert fake_cuda[4][2] == {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert state["t"] == 0


def test_missing_cuda_function_is_a_clear_error(fake_cuda):
    with pytest.raises(RuntimeError, match=r"kernels\.cuda has no mse"):
        losses.mse(np.zeros(2), np.zeros(2), target="cuda")


def test_unavailable_cuda_names_the_extra(fake_cuda):
    sys.modules["kernels.cuda"].available = False
    sys.modules["kernels.cuda"].unavailable_reason = "no GPU here"
    with pytest.raises(
        RuntimeError, match=r"no GPU here; install the CUDA extra \(pip install 'deepgrade\[cuda\]'\)"
    ):
        optim.sgd_step(np.zeros(2), np.zeros(2), lr=0.1, target="cuda")

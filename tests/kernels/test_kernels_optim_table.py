"""The optimizer table (``kernels/_optim_table.py``): each default written once and seen by every named step,
``kernels.train`` and ``step``; every named step is one call of the validated ``step``."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from kernels import optim, train

# The course's defaults (report 3.2.3-3.2.7), written out here independently of the table.
DEFAULTS = {
    "sgd": {},
    "momentum": {"beta": 0.9},
    "nesterov": {"beta": 0.9},
    "adagrad": {"eps": 1e-8},
    "rmsprop": {"beta": 0.9, "eps": 1e-8},
    "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}
STATE_KEYS = {"sgd": (), "momentum": ("v",), "nesterov": ("v",), "adagrad": ("G",), "rmsprop": ("E",)}


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_named_steps_show_the_defaults_of_the_table(name):
    params = inspect.signature(getattr(optim, f"{name}_step")).parameters
    shown = {k: p.default for k, p in params.items() if p.kind is p.KEYWORD_ONLY}
    assert shown == {"lr": inspect.Parameter.empty, **DEFAULTS[name], "parallel": None, "target": "cpu"}
    assert train.DEFAULT_HP[name] == DEFAULTS[name]


def test_state_keys_and_the_lookahead_default():
    assert optim.STATE_KEYS == {**STATE_KEYS, "adam": ("m", "v")}
    assert inspect.signature(optim.nesterov_lookahead).parameters["beta"].default == 0.9
    assert optim.init_state("adam", np.zeros(2))["t"] == 0


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_a_named_step_is_step_with_the_defaults(name):
    rng = np.random.default_rng(5)
    w0, g = rng.standard_normal(50), rng.standard_normal(50)
    results = []
    for call in (
        lambda w, s: optim.step(name, w, g, s, lr=0.1, **DEFAULTS[name]),
        lambda w, s: getattr(optim, f"{name}_step")(w, g, *([s] if name != "sgd" else []), lr=0.1),
    ):
        w, state = w0.copy(), optim.init_state(name, w0)
        call(w, state)
        call(w, state)
        results.append((w, state))
    (w_a, s_a), (w_b, s_b) = results
    assert np.array_equal(w_a, w_b) and not np.array_equal(w_a, w0)
    assert all(np.array_equal(s_a[k], s_b[k]) for k in s_a)


def test_bad_keywords_and_states_get_one_line_errors():
    w = np.zeros(3)
    adam = optim.init_state("adam", w)
    with pytest.raises(
        TypeError, match=r"optimizer 'adam' takes \['lr', 'beta1', 'beta2', 'eps'\], not \['beta'\]"
    ):
        optim.adam_step(w, w.copy(), adam, lr=0.1, beta=0.9)
    with pytest.raises(ValueError, match="hp must give the learning rate eta 'lr' for 'momentum'"):
        optim.momentum_step(w, w.copy(), optim.init_state("momentum", w))
    with pytest.raises(TypeError, match="state must be the dict of init_state"):
        optim.step("momentum", w, w.copy(), [w], lr=0.1)
    with pytest.raises(ValueError, match=r"beta2 must be < 1\.0"):
        optim.step("adam", w, w.copy(), adam, lr=0.1, beta2=1.0)
    optim.adam_step(w, w.copy(), {**adam, "t": np.int64(4)}, lr=0.1)  # a NumPy step counter is an int


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_counted_kernel_equals_the_python_bias_corrections(dtype, parallel):
    """``adam_step`` runs ``adam_counted``, which computes ``1 - beta^t`` in Numba; the table's
    ``Call.scalars`` computes them in Python (the CUDA driver's way). Bit for bit over 60 steps, at odd
    betas where a float32 rounding of the corrections would show."""
    from kernels.cpu import optim as cpu

    rng = np.random.default_rng(11)
    w0 = rng.normal(size=300).astype(dtype)
    grads = rng.normal(size=(60, 300)).astype(dtype)
    hp = {"lr": 0.01, "beta1": 0.87, "beta2": 0.9931, "eps": 1e-7}
    public, by_hand = w0.copy(), w0.copy()
    state, m, v = optim.init_state("adam", public), np.zeros_like(w0), np.zeros_like(w0)
    spec = optim._table.OPTIMIZERS["adam"]
    kernel = cpu.adam_parallel if parallel else cpu.adam
    for t, g in enumerate(grads, start=1):
        optim.adam_step(public, g, state, parallel=parallel, **hp)
        call = optim._table.Call(spec, spec.checked(hp), t)
        kernel(by_hand, g, m, v, *call.scalars(np.dtype(dtype)))
    assert state["t"] == 60
    assert np.array_equal(public, by_hand) and np.array_equal(state["m"], m) and np.array_equal(state["v"], v)


def test_a_negative_zero_hyperparameter_is_not_served_the_positive_ones_rounding():
    """The rounded-hyperparameter cache keys tuples, and ``0.0 == -0.0``: a step with ``lr=-0.0`` after
    one with ``lr=0.0`` must still subtract ``-0.0 * g``, which turns ``w = -0.0`` into ``+0.0``."""
    w, g = np.zeros(1), np.ones(1)
    optim.sgd_step(w, g, lr=0.0)
    w[:] = -0.0
    optim.sgd_step(w, g, lr=-0.0)
    assert np.signbit(w[0]) == np.signbit(np.float64(-0.0) - np.float64(-0.0) * 1.0)


def test_remembered_scalars_keep_the_sign_of_zero():
    from kernels import _validate

    f32 = np.dtype(np.float32)
    assert not np.signbit(_validate.scalar(0.0, f32))
    assert np.signbit(_validate.scalar(-0.0, f32)) and _validate.scalar(-0.0, f32).dtype == f32
    assert not np.signbit(_validate.scalar(0.0, f32)) and _validate.scalar(0.5, f32) == np.float32(0.5)

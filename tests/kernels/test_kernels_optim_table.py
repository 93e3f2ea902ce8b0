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

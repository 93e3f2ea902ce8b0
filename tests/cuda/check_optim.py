"""CUDA optimizer steps against the plain-Python rules (float64, state included) and the CPU kernels; each
step is one kernel launch."""

from __future__ import annotations

import numpy as np
import pytest
from cuda_reference import rule_map
from numba import cuda

import kernels.cuda as kc
from kernels import rules
from kernels.cpu import optim as cpu
from kernels.cuda import _arrays, optim

pytestmark = pytest.mark.usefixtures("small_launch")

HP = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.1, "beta": 0.9},
    "nesterov": {"lr": 0.1, "beta": 0.9},
    "adagrad": {"lr": 0.1, "eps": 1e-8},
    "rmsprop": {"lr": 0.01, "beta": 0.9, "eps": 1e-8},
    "adam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}
RULES = {
    "sgd": rules.sgd_rule,
    "momentum": rules.momentum_rule,
    "nesterov": rules.nesterov_rule,
    "adagrad": rules.adagrad_rule,
    "rmsprop": rules.rmsprop_rule,
    "adam": rules.adam_rule,
}
STATE_KEYS = {
    "sgd": (),
    "momentum": ("v",),
    "nesterov": ("v",),
    "adagrad": ("G",),
    "rmsprop": ("E",),
    "adam": ("m", "v"),
}
SHAPE = (13, 9)  # 117 parameters: 3 blocks of 8 threads, 4-5 turns of the grid-stride loop each
STEPS = 3


def _inputs(dtype, seed: int = 0):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(SHAPE).astype(dtype)
    grads = [rng.standard_normal(SHAPE).astype(dtype) for _ in range(STEPS)]
    return w, grads


def _reference(name: str, w, grads):
    """``STEPS`` steps of the plain-Python rule in float64, the driver's bookkeeping written out."""
    w = w.astype(np.float64)
    state = [np.zeros_like(w) for _ in STATE_KEYS[name]]
    hp = HP[name]
    for t, g in enumerate(grads, start=1):
        scalars = tuple(hp.values())
        if name == "adam":
            scalars += (1 - hp["beta1"] ** t, 1 - hp["beta2"] ** t)
        w, *state = rule_map(RULES[name], w, g, *state, scalars=scalars)
    return w, dict(zip(STATE_KEYS[name], state, strict=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(HP))
def test_steps_match_rules_with_state(name, dtype):
    w, grads = _inputs(dtype)
    want_w, want_state = _reference(name, w, grads)
    state = kc.init_state(name, w)
    for g in grads:
        optim.step(name, w, g, state, **HP[name])
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(w, want_w, **tol, err_msg=name)
    for key, want in want_state.items():
        assert state[key].dtype == dtype
        np.testing.assert_allclose(state[key], want, **tol, err_msg=f"{name} state {key}")
    if name == "adam":
        assert state["t"] == STEPS


@pytest.mark.parametrize("name", list(HP))
def test_device_state_stays_on_device(name):
    w, grads = _inputs(np.float32)
    want_w, want_state = _reference(name, w, grads)
    wd = cuda.to_device(w)
    state = kc.init_state(name, wd)
    assert all(_arrays.is_device(state[k]) for k in STATE_KEYS[name])
    for g in grads:
        optim.step(name, wd, cuda.to_device(g), state, **HP[name])
    np.testing.assert_allclose(wd.copy_to_host(), want_w, rtol=1e-5, atol=1e-6)
    for key, want in want_state.items():
        np.testing.assert_allclose(state[key].copy_to_host(), want, rtol=1e-5, atol=1e-6)


class _CountingKernel:
    def __init__(self, kernel, launches: list) -> None:
        self.kernel, self.launches = kernel, launches

    def __getitem__(self, config):
        self.launches.append(config)
        return self.kernel[config]


@pytest.mark.parametrize("name", list(HP))
def test_each_step_is_one_fused_launch(name, monkeypatch):
    launches: list = []
    for attr in [a for a in vars(optim) if a.endswith("_kernel")]:
        monkeypatch.setattr(optim, attr, _CountingKernel(getattr(optim, attr), launches))
    for key, kernel in optim._KERNELS.items():  # the kernels bound to each optimizer at import
        monkeypatch.setitem(optim._KERNELS, key, _CountingKernel(kernel, launches))
    wd, gd = cuda.to_device(_inputs(np.float32)[0]), cuda.to_device(_inputs(np.float32, 1)[0])
    state = {k: cuda.to_device(np.zeros(SHAPE, np.float32)) for k in STATE_KEYS[name]} | {"t": 0}
    optim.step(name, wd, gd, state, **HP[name])
    assert len(launches) == 1


def test_nesterov_lookahead_matches_rule():
    w, (v, _, _) = _inputs(np.float64)
    (want,) = rule_map(rules.nesterov_lookahead_rule, w, v, scalars=(0.1, 0.9))
    got = kc.nesterov_lookahead(w, {"v": v}, lr=0.1, beta=0.9)
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_bad_calls_are_refused():
    w = np.zeros(4, np.float32)
    with pytest.raises(ValueError, match="unknown optimizer 'lion'"):
        kc.init_state("lion", w)
    with pytest.raises(ValueError, match="does not match"):
        kc.sgd_step(w, np.zeros(5, np.float32), lr=0.1)
    with pytest.raises(ValueError, match="float32 or float64"):
        kc.sgd_step(np.zeros(4, np.int64), np.zeros(4, np.int64), lr=0.1)


@pytest.mark.parametrize("name", list(HP))
def test_agrees_with_cpu_kernels(name):
    w, grads = _inputs(np.float32)
    w_cpu = w.copy().ravel()
    s_cpu = [np.zeros_like(w_cpu) for _ in STATE_KEYS[name]]
    hp = HP[name]
    for t, g in enumerate(grads, start=1):
        scalars = [np.float32(x) for x in hp.values()]
        if name == "adam":
            # the bias corrections from the betas rounded to float32 (kernels.rules.adam_bias_correction)
            b1, b2 = float(np.float32(hp["beta1"])), float(np.float32(hp["beta2"]))
            scalars += [np.float32(1 - b1**t), np.float32(1 - b2**t)]
        getattr(cpu, name)(w_cpu, g.ravel(), *s_cpu, *scalars)
    state = kc.init_state(name, w)
    for g in grads:
        optim.step(name, w, g, state, **hp)
    np.testing.assert_allclose(w.ravel(), w_cpu, rtol=1e-6, atol=1e-7)
    for key, s in zip(STATE_KEYS[name], s_cpu, strict=True):
        np.testing.assert_allclose(state[key].ravel(), s, rtol=1e-6, atol=1e-7)

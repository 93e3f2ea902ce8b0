"""Each optimizer against an independent NumPy float64 implementation of the report's formula (3.1, 3.2):
100 steps on a quadratic and on random gradients, parameters and state compared after every run.

float64 kernels agree to rtol 1e-12 (only the rounding of fused multiply-adds may differ); float32 kernels
track the float64 reference to rtol 1e-4 over the 100 random-gradient steps (on the quadratic, RMSprop's
normalised steps flip sign around the minimum where rounding decides the sign, so float32 and float64 paths
part by about eta there: a property of the method, not of the kernel).
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import optim

N = 513
STEPS = 100
HP = {
    "sgd": {"lr": 0.05},
    "momentum": {"lr": 0.05, "beta": 0.9},
    "nesterov": {"lr": 0.05, "beta": 0.9},
    "adagrad": {"lr": 0.1, "eps": 1e-8},
    "rmsprop": {"lr": 0.01, "beta": 0.9, "eps": 1e-8},
    "adam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}


def reference_run(name, w, gradient, hp, steps=STEPS):
    """The report's update written with NumPy in float64; returns the final ``w`` and state."""
    w = w.astype(np.float64).copy()
    s = {"v": np.zeros_like(w), "G": np.zeros_like(w), "E": np.zeros_like(w), "m": np.zeros_like(w), "t": 0}
    lr = hp["lr"]
    for k in range(steps):
        if name == "sgd":
            w = w - lr * gradient(w, k)
        elif name == "momentum":
            s["v"] = hp["beta"] * s["v"] + (1 - hp["beta"]) * gradient(w, k)
            w = w - lr * s["v"]
        elif name == "nesterov":
            g = gradient(w - lr * hp["beta"] * s["v"], k)
            s["v"] = hp["beta"] * s["v"] + (1 - hp["beta"]) * g
            w = w - lr * s["v"]
        elif name == "adagrad":
            g = gradient(w, k)
            s["G"] = s["G"] + g**2
            w = w - lr / np.sqrt(s["G"] + hp["eps"]) * g
        elif name == "rmsprop":
            g = gradient(w, k)
            s["E"] = hp["beta"] * s["E"] + (1 - hp["beta"]) * g**2
            w = w - lr / np.sqrt(s["E"] + hp["eps"]) * g
        else:
            g = gradient(w, k)
            s["t"] += 1
            s["m"] = hp["beta1"] * s["m"] + (1 - hp["beta1"]) * g
            s["v"] = hp["beta2"] * s["v"] + (1 - hp["beta2"]) * g**2
            m_hat, v_hat = s["m"] / (1 - hp["beta1"] ** s["t"]), s["v"] / (1 - hp["beta2"] ** s["t"])
            w = w - lr * m_hat / (np.sqrt(v_hat) + hp["eps"])
    return w, s


def kernel_run(name, w, gradient, hp, parallel, steps=STEPS):
    w = w.copy()
    state = optim.init_state(name, w)
    ahead = np.empty_like(w)
    for k in range(steps):
        if name == "nesterov":
            optim.nesterov_lookahead(w, state, lr=hp["lr"], beta=hp["beta"], out=ahead, parallel=parallel)
            g = gradient(ahead.astype(np.float64), k).astype(w.dtype)
        else:
            g = gradient(w.astype(np.float64), k).astype(w.dtype)
        optim.step(name, w, g, state, parallel=parallel, **hp)
    return w, state


def _problems():
    rng = np.random.default_rng(7)
    curvature = rng.uniform(0.2, 2.0, size=N)
    centre = rng.normal(size=N)
    noise = rng.normal(size=(STEPS, N))
    return {
        "quadratic": lambda w, k: curvature * (w - centre),
        "random": lambda w, k: noise[k],
    }


PROBLEMS = _problems()
STATE_KEYS = {
    "sgd": (),
    "momentum": ("v",),
    "nesterov": ("v",),
    "adagrad": ("G",),
    "rmsprop": ("E",),
    "adam": ("m", "v"),
}


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("name", optim.NAMES)
def test_float64_matches_numpy_reference(name, problem, parallel):
    w0 = np.random.default_rng(1).normal(size=N)
    expected, ref_state = reference_run(name, w0, PROBLEMS[problem], HP[name])
    got, state = kernel_run(name, w0, PROBLEMS[problem], HP[name], parallel)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)
    for key in STATE_KEYS[name]:
        np.testing.assert_allclose(state[key], ref_state[key], rtol=1e-12, atol=1e-13, err_msg=key)
    if name == "adam":
        assert state["t"] == STEPS
    if problem == "quadratic":
        assert np.abs(got - w0).max() > 0.05


@pytest.mark.parametrize("name", optim.NAMES)
def test_float32_tracks_float64_reference(name):
    w0 = np.random.default_rng(1).normal(size=N)
    expected, _ = reference_run(name, w0, PROBLEMS["random"], HP[name])
    got, state = kernel_run(name, w0.astype(np.float32), PROBLEMS["random"], HP[name], parallel=False)
    assert got.dtype == np.float32 and all(state[k].dtype == np.float32 for k in STATE_KEYS[name])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", optim.NAMES)
def test_parallel_kernel_equals_serial_on_a_large_vector(name):
    rng = np.random.default_rng(3)
    n = optim.PARALLEL_THRESHOLD + 17
    w, g = rng.normal(size=n).astype(np.float32), rng.normal(size=n).astype(np.float32)
    results = []
    for parallel in (False, True):
        wk = w.copy()
        state = optim.init_state(name, wk)
        for _ in range(3):
            optim.step(name, wk, g, state, parallel=parallel, **HP[name])
        results.append((wk, state))
    (w_serial, s_serial), (w_parallel, s_parallel) = results
    np.testing.assert_allclose(w_parallel, w_serial, rtol=1e-6, atol=1e-7)
    for key in STATE_KEYS[name]:
        np.testing.assert_allclose(s_parallel[key], s_serial[key], rtol=1e-6, atol=1e-7)

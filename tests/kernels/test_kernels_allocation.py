"""No optimizer-step kernel allocates: Numba's runtime allocation counters, read before and after a step on
a large vector, move exactly as much as for a kernel that does nothing with the same arguments (passing
NumPy arrays into any Numba function creates one small wrapper each; the step itself adds none)."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from numba.core.runtime import _nrt_python, rtsys

from kernels.cpu import optim as cpu_optim

N = 1 << 21
HP = {"lr": 0.01, "beta": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bc1": 0.1, "bc2": 0.001}
KERNELS = [
    ("sgd", ("w", "g"), ("lr",)),
    ("momentum", ("w", "g", "v"), ("lr", "beta")),
    ("nesterov_lookahead", ("w", "v", "out"), ("lr", "beta")),
    ("nesterov", ("w", "g", "v"), ("lr", "beta")),
    ("adagrad", ("w", "g", "G"), ("lr", "eps")),
    ("rmsprop", ("w", "g", "E"), ("lr", "beta", "eps")),
    ("adam", ("w", "g", "m", "v"), ("lr", "beta1", "beta2", "eps", "bc1", "bc2")),
]


@njit
def _noop(*args):
    return None


@njit
def _allocates(w):
    return np.empty(w.size).size


def _arguments(arrays, scalars, dtype):
    rng = np.random.default_rng(0)
    return [rng.uniform(0.1, 1.0, size=N).astype(dtype) for _ in arrays] + [dtype(HP[s]) for s in scalars]


def _delta(fn, args):
    fn(*args)
    before = rtsys.get_allocation_stats()
    fn(*args)
    after = rtsys.get_allocation_stats()
    return tuple(a - b for a, b in zip(after, before, strict=True))


@pytest.fixture(scope="module", autouse=True)
def _stats_on():
    was_on = _nrt_python.memsys_stats_enabled()
    _nrt_python.memsys_enable_stats()
    yield
    if not was_on:
        _nrt_python.memsys_disable_stats()


def test_the_counters_see_an_allocating_kernel():
    w = np.ones(N)
    assert _delta(_allocates, [w])[0] > _delta(_noop, [w])[0]


@pytest.mark.parametrize("variant", ["", "_parallel"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "arrays", "scalars"), KERNELS, ids=[k[0] for k in KERNELS])
def test_optimizer_step_kernels_do_not_allocate(name, arrays, scalars, dtype, variant):
    args = _arguments(arrays, scalars, dtype)
    kernel = getattr(cpu_optim, name + variant)
    assert _delta(kernel, args) == _delta(_noop, args)

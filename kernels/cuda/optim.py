"""Optimizer steps on the GPU (report 3.1-3.2), each ONE fused grid-stride kernel: every thread reads
``w[i]``, ``g[i]`` and the state at ``i``, applies the rule of ``kernels.rules``, and writes ``w[i]`` and the
state back, so memory is crossed once (Adam: read w, g, m, v; write w, m, v).

The host wrapper does the scalar work once per step (Adam: ``t += 1``, ``bc1 = 1 - beta1**t``,
``bc2 = 1 - beta2**t`` from the betas rounded to the parameters' dtype, as on the CPU:
``kernels._optim_table.Call.scalars``) and passes the hyperparameters in the parameters' dtype. Arrays
are updated in place: device arrays directly, NumPy arrays by a copy to the device and back. The
optimizers, their state keys, hyperparameter defaults and bounds are the rows of ``kernels._optim_table``;
:func:`step` checks a call there (as the CPU ``kernels.optim.step`` does) and every named step goes through
it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import cuda

from kernels import _optim_table as _table
from kernels.cuda import _arrays, config, device


@cuda.jit
def sgd_kernel(w, g, lr):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        w[i] = device.sgd_rule(w[i], g[i], lr)


def _one_state_kernel(rule):
    """``w[i], s[i] = rule(w[i], g[i], s[i], a, b)``: momentum, Nesterov, Adagrad."""

    @cuda.jit
    def kernel(w, g, s, a, b):
        for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
            w[i], s[i] = rule(w[i], g[i], s[i], a, b)

    return kernel


momentum_kernel = _one_state_kernel(device.momentum_rule)
nesterov_kernel = _one_state_kernel(device.nesterov_rule)
adagrad_kernel = _one_state_kernel(device.adagrad_rule)


@cuda.jit
def nesterov_lookahead_kernel(w, v, out, lr, beta):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        out[i] = device.nesterov_lookahead_rule(w[i], v[i], lr, beta)


@cuda.jit
def rmsprop_kernel(w, g, E, lr, beta, eps):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        w[i], E[i] = device.rmsprop_rule(w[i], g[i], E[i], lr, beta, eps)


@cuda.jit
def adam_kernel(w, g, m, v, lr, beta1, beta2, eps, bc1, bc2):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        w[i], m[i], v[i] = device.adam_rule(w[i], g[i], m[i], v[i], lr, beta1, beta2, eps, bc1, bc2)


@cuda.jit
def zero_kernel(a):
    for i in range(cuda.grid(1), a.size, cuda.gridsize(1)):
        a[i] = 0


_KERNELS = {spec.name: globals()[f"{spec.kernel}_kernel"] for spec in _table.OPTIMIZERS.values()}


def init_state(name: str, w) -> dict:
    """Zero state for optimizer ``name`` (keys ``v``; ``G``; ``E``; ``m``, ``v``, ``t``), on the device when
    ``w`` is a device array, else NumPy arrays like ``w``."""
    spec = _table.lookup(name)
    if _arrays.is_device(w):
        state = {}
        for k in spec.state:
            d = cuda.device_array(tuple(w.shape), dtype=w.dtype)
            zero_kernel[config.blocks_for(d.size), config.THREADS_PER_BLOCK](_arrays.flat(d))
            state[k] = d
    else:
        state = {k: np.zeros_like(w) for k in spec.state}
    if spec.counted:
        state["t"] = 0
    return state


def _run(kernel: Callable, w, arrays: list[tuple[str, object]], scalars: Callable) -> None:
    """Launch ``kernel(w, *arrays, *scalars(dtype))`` over flat device views (``scalars``: the checked
    call's ``Call.scalars``, given ``w``'s dtype), then copy host arrays back."""
    wd = _arrays.to_device(w, "w")
    devs = [(name, _arrays.to_device(a, name)) for name, a in arrays]
    _arrays.same_shape(("w", wd), *devs)
    for name, a in (("w", w), *arrays):
        if not _arrays.is_device(a) and not (isinstance(a, np.ndarray) and a.flags.c_contiguous):
            raise ValueError(
                f"{name} must be a C-contiguous NumPy array or a device array (updated in place)"
            )
    flat = [_arrays.flat(wd)] + [_arrays.flat(d) for _, d in devs]
    kernel[config.blocks_for(wd.size), config.THREADS_PER_BLOCK](*flat, *scalars(wd.dtype))
    _arrays.write_back(wd, w)
    for (_, a), (_, d) in zip(arrays, devs, strict=True):
        _arrays.write_back(d, a)


def _step(spec: _table.Optimizer, kernel, w, g, state: dict, **hp: float) -> None:
    """:func:`step` on the optimizer ``spec`` with its CUDA ``kernel`` (every named step calls this)."""
    call = _table.prepare(spec, state, hp)
    _run(kernel, w, [("g", g), *call.state_arrays(state)], call.scalars)
    call.done(state)


def step(name: str, w, g, state: dict, **hp: float) -> None:
    """One step of optimizer ``name`` with hyperparameters ``hp`` (``lr`` required, the others default as in
    ``kernels._optim_table``, checked there as on the CPU before any launch): ONE launch of its fused kernel,
    ``w`` and ``state`` updated in place (``g`` is ``g_ahead`` for nesterov)."""
    spec = _table.lookup(name)
    _step(spec, _KERNELS[spec.name], w, g, state, **hp)


def nesterov_lookahead(w, state: dict, *, out=None, **hp: float):
    """The look-ahead point ``w - eta beta v`` (3.2.4) where the next gradient is evaluated (``lr``, ``beta``
    as for nesterov)."""
    call = _table.prepare(_table.LOOKAHEAD, state, hp)
    on_device = _arrays.is_device(w)
    wd, vd = _arrays.to_device(w, "w"), _arrays.to_device(state["v"], "v")
    _arrays.same_shape(("w", wd), ("v", vd))
    od = _arrays.output(out, tuple(wd.shape), wd.dtype)
    nesterov_lookahead_kernel[config.blocks_for(wd.size), config.THREADS_PER_BLOCK](
        _arrays.flat(wd), _arrays.flat(vd), _arrays.flat(od), *call.scalars(wd.dtype)
    )
    return _arrays.finish(od, out, on_device)


def _bind(spec: _table.Optimizer):
    kernel = _KERNELS[spec.name]

    def bound(w, g, state, values, /):
        _step(spec, kernel, w, g, state, **dict(zip(spec.names, values, strict=True)))

    return bound


_steps = _table.named_steps(lambda spec: _table.calling(_bind(spec)), __name__, {})
sgd_step, momentum_step, nesterov_step, adagrad_step, rmsprop_step, adam_step = _steps


__all__ = [
    "adagrad_step",
    "adam_step",
    "init_state",
    "momentum_step",
    "nesterov_lookahead",
    "nesterov_step",
    "rmsprop_step",
    "sgd_step",
    "step",
]

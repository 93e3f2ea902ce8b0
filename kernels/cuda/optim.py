"""Optimizer steps on the GPU (report 3.1-3.2), each ONE fused grid-stride kernel: every thread reads
``w[i]``, ``g[i]`` and the state at ``i``, applies the rule of ``kernels.rules``, and writes ``w[i]`` and the
state back, so memory is crossed once (Adam: read w, g, m, v; write w, m, v).

The host wrapper does the scalar work once per step (Adam: ``t += 1``, ``bc1 = 1 - beta1**t``,
``bc2 = 1 - beta2**t``) and passes the hyperparameters in the parameters' dtype. Arrays are updated in
place: device arrays directly, NumPy arrays by a copy to the device and back.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import cuda

from kernels.cuda import _arrays, config, device

_sgd, _momentum, _lookahead = device.sgd_rule, device.momentum_rule, device.nesterov_lookahead_rule
_nesterov, _adagrad, _rmsprop, _adam = (
    device.nesterov_rule,
    device.adagrad_rule,
    device.rmsprop_rule,
    device.adam_rule,
)


@cuda.jit
def sgd_kernel(w, g, lr):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        w[i] = _sgd(w[i], g[i], lr)


@cuda.jit
def momentum_kernel(w, g, v, lr, beta):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        w[i], v[i] = _momentum(w[i], g[i], v[i], lr, beta)


@cuda.jit
def nesterov_lookahead_kernel(w, v, out, lr, beta):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        out[i] = _lookahead(w[i], v[i], lr, beta)


@cuda.jit
def nesterov_kernel(w, g_ahead, v, lr, beta):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        w[i], v[i] = _nesterov(w[i], g_ahead[i], v[i], lr, beta)


@cuda.jit
def adagrad_kernel(w, g, G, lr, eps):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        w[i], G[i] = _adagrad(w[i], g[i], G[i], lr, eps)


@cuda.jit
def rmsprop_kernel(w, g, E, lr, beta, eps):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        w[i], E[i] = _rmsprop(w[i], g[i], E[i], lr, beta, eps)


@cuda.jit
def adam_kernel(w, g, m, v, lr, beta1, beta2, eps, bc1, bc2):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        w[i], m[i], v[i] = _adam(w[i], g[i], m[i], v[i], lr, beta1, beta2, eps, bc1, bc2)


STATE_KEYS: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "momentum": ("v",),
    "nesterov": ("v",),
    "adagrad": ("G",),
    "rmsprop": ("E",),
    "adam": ("m", "v"),
}


def _check_name(name: str) -> None:
    if name not in STATE_KEYS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {', '.join(STATE_KEYS)}")


def init_state(name: str, w) -> dict:
    """Zero state for optimizer ``name`` (keys ``v``; ``G``; ``E``; ``m``, ``v``, ``t``), on the device when
    ``w`` is a device array, else NumPy arrays like ``w``."""
    _check_name(name)
    if _arrays.is_device(w):
        state = {}
        for k in STATE_KEYS[name]:
            d = cuda.device_array(tuple(w.shape), dtype=w.dtype)
            zero_kernel[config.blocks_for(d.size), config.THREADS_PER_BLOCK](_arrays.flat(d))
            state[k] = d
    else:
        state = {k: np.zeros_like(w) for k in STATE_KEYS[name]}
    if name == "adam":
        state["t"] = 0
    return state


@cuda.jit
def zero_kernel(a):
    for i in range(cuda.grid(1), a.size, cuda.gridsize(1)):
        a[i] = 0


def _run(kernel: Callable, w, arrays: list[tuple[str, object]], scalars: tuple[float, ...]) -> None:
    """Launch ``kernel(w, *arrays, *scalars)`` over flat device views, then copy host arrays back."""
    wd = _arrays.to_device(w, "w")
    devs = [(name, _arrays.to_device(a, name)) for name, a in arrays]
    _arrays.same_shape(("w", wd), *devs)
    for name, a in (("w", w), *arrays):
        if not _arrays.is_device(a) and not (isinstance(a, np.ndarray) and a.flags.c_contiguous):
            raise ValueError(
                f"{name} must be a C-contiguous NumPy array or a device array (updated in place)"
            )
    cast = wd.dtype.type
    flat = [_arrays.flat(wd)] + [_arrays.flat(d) for _, d in devs]
    kernel[config.blocks_for(wd.size), config.THREADS_PER_BLOCK](*flat, *(cast(s) for s in scalars))
    _arrays.write_back(wd, w)
    for (_, a), (_, d) in zip(arrays, devs, strict=True):
        _arrays.write_back(d, a)


def sgd_step(w, g, *, lr: float) -> None:
    """``w <- w - eta g`` (3.1, 3.2.2), in place."""
    _run(sgd_kernel, w, [("g", g)], (lr,))


def momentum_step(w, g, state: dict, *, lr: float, beta: float = 0.9) -> None:
    """``v <- beta v + (1 - beta) g``; ``w <- w - eta v`` (3.2.3), in place on ``w`` and ``state['v']``."""
    _run(momentum_kernel, w, [("g", g), ("v", state["v"])], (lr, beta))


def nesterov_lookahead(w, state: dict, *, lr: float, beta: float = 0.9, out=None):
    """The look-ahead point ``w - eta beta v`` (3.2.4) where the next gradient is evaluated."""
    on_device = _arrays.is_device(w)
    wd, vd = _arrays.to_device(w, "w"), _arrays.to_device(state["v"], "v")
    _arrays.same_shape(("w", wd), ("v", vd))
    od = _arrays.output(out, tuple(wd.shape), wd.dtype)
    cast = wd.dtype.type
    nesterov_lookahead_kernel[config.blocks_for(wd.size), config.THREADS_PER_BLOCK](
        _arrays.flat(wd), _arrays.flat(vd), _arrays.flat(od), cast(lr), cast(beta)
    )
    return _arrays.finish(od, out, on_device)


def nesterov_step(w, g_ahead, state: dict, *, lr: float, beta: float = 0.9) -> None:
    """Nesterov update (3.2.4) given the gradient at the look-ahead point, in place."""
    _run(nesterov_kernel, w, [("g_ahead", g_ahead), ("v", state["v"])], (lr, beta))


def adagrad_step(w, g, state: dict, *, lr: float, eps: float = 1e-8) -> None:
    """``G <- G + g^2``; ``w <- w - eta g / sqrt(G + eps)`` (3.2.5), in place."""
    _run(adagrad_kernel, w, [("g", g), ("G", state["G"])], (lr, eps))


def rmsprop_step(w, g, state: dict, *, lr: float, beta: float = 0.9, eps: float = 1e-8) -> None:
    """``E <- beta E + (1 - beta) g^2``; ``w <- w - eta g / sqrt(E + eps)`` (3.2.6), in place."""
    _run(rmsprop_kernel, w, [("g", g), ("E", state["E"])], (lr, beta, eps))


def adam_step(
    w, g, state: dict, *, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
) -> None:
    """Adam (3.2.7): ``t += 1`` then the rule with ``bc1 = 1 - beta1^t``, ``bc2 = 1 - beta2^t``, in place."""
    state["t"] = int(state["t"]) + 1
    t = state["t"]
    bc1, bc2 = 1.0 - beta1**t, 1.0 - beta2**t
    _run(adam_kernel, w, [("g", g), ("m", state["m"]), ("v", state["v"])], (lr, beta1, beta2, eps, bc1, bc2))


STEPS: dict[str, Callable] = {
    "sgd": lambda w, g, state, **hp: sgd_step(w, g, **hp),
    "momentum": momentum_step,
    "nesterov": nesterov_step,
    "adagrad": adagrad_step,
    "rmsprop": rmsprop_step,
    "adam": adam_step,
}


def step(name: str, w, g, state: dict, *, target: str = "cuda", parallel: bool | None = None, **hp) -> None:
    """Dispatch to ``<name>_step`` (``g`` is ``g_ahead`` for nesterov); ``target``/``parallel`` are accepted
    for signature parity with the CPU API."""
    _check_name(name)
    if target != "cuda":
        raise ValueError(f"kernels.cuda.step runs on target='cuda', got target={target!r}")
    STEPS[name](w, g, state, **hp)


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

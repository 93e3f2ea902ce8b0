"""Optimizer steps of report section 3, fused and in place: one pass over memory, no temporaries.

Every step updates ``w`` and the ``state`` arrays in place and returns None. ``w`` may have any shape
(C-contiguous, float32 or float64); ``g`` and the state arrays have its shape and dtype. Hyperparameters
are cast to ``w``'s dtype. ``parallel=None`` picks the ``prange`` kernel from
``PARALLEL_THRESHOLD`` elements on; True/False forces it. NaN or inf in ``g`` propagates to the
elements it touches (``kernels.check_finite`` raises on them; ``docs/CONVENTIONS.md``).

Conventions (the report's; ``docs/CONVENTIONS.md`` maps them to PyTorch):
momentum ``v = beta v + (1 - beta) g; w -= eta v``; Nesterov takes its gradient at the look-ahead point
``w - eta beta v`` (:func:`nesterov_lookahead`) and then applies the momentum update
(:func:`nesterov_step`); Adagrad and RMSprop put ``eps`` inside the square root; Adam's ``state["t"]`` is
incremented by :func:`adam_step` before the step, and bias corrections ``1 - beta^t`` are applied.
"""

from __future__ import annotations

import numpy as np

from kernels import _dispatch, _validate
from kernels.cpu import optim as _cpu

PARALLEL_THRESHOLD = 1 << 20
STATE_KEYS = {
    "sgd": (),
    "momentum": ("v",),
    "nesterov": ("v",),
    "adagrad": ("G",),
    "rmsprop": ("E",),
    "adam": ("m", "v"),
}
NAMES = tuple(STATE_KEYS)


def _check_name(name: object) -> str:
    if name not in STATE_KEYS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {NAMES}")
    return name


def init_state(name: str, w: np.ndarray) -> dict[str, object]:
    """Zero state of optimizer ``name`` for parameters ``w``: ``{}`` for sgd, ``{"v"}`` for momentum and
    nesterov, ``{"G"}`` for adagrad, ``{"E"}`` for rmsprop, ``{"m", "v", "t": 0}`` for adam. A CUDA
    device array gets its state from ``kernels.cuda.init_state``."""
    _check_name(name)
    if hasattr(w, "__cuda_array_interface__"):
        return _dispatch.cuda_function("optim", "init_state")(name, w)
    _validate.float_array("w", w)
    state: dict[str, object] = {key: np.zeros_like(w) for key in STATE_KEYS[name]}
    if name == "adam":
        state["t"] = 0
    return state


def _arrays(w: np.ndarray, g: np.ndarray | None, state: dict, keys: tuple[str, ...]) -> list[np.ndarray]:
    _validate.float_array("w", w, writeable=True)
    out = [_validate.flat(w)]
    if g is not None:
        out.append(_validate.flat(_validate.like("g", g, "w", w)))
    if not isinstance(state, dict):
        raise TypeError(f"state must be the dict of init_state(), got {type(state).__name__}")
    for key in keys:
        if key not in state:
            raise ValueError(f"state has no {key!r}; create it with init_state()")
        arr = _validate.like(f"state[{key!r}]", state[key], "w", w, writeable=True)
        out.append(_validate.flat(arr))
    return out


def _pick(serial, parallel_variant, parallel: bool | None, size: int):
    if parallel is None:
        parallel = size >= PARALLEL_THRESHOLD
    return parallel_variant if parallel else serial


def _rate(lr: float) -> float:
    return _validate.number("lr", lr, low=0.0)


def _beta(name: str, beta: float) -> float:
    return _validate.number(name, beta, low=0.0, high=1.0, high_open=True)


def _eps(eps: float) -> float:
    return _validate.number("eps", eps, low=0.0, low_open=True)


def sgd_step(
    w: np.ndarray, g: np.ndarray, *, lr: float, parallel: bool | None = None, target: str = "cpu"
) -> None:
    """Gradient descent / SGD (3.1, 3.2.2): ``w <- w - eta g``."""
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("optim", "sgd_step")(w, g, lr=lr)
    lr = _rate(lr)
    wf, gf = _arrays(w, g, {}, ())
    _pick(_cpu.sgd, _cpu.sgd_parallel, parallel, w.size)(wf, gf, w.dtype.type(lr))
    return None


def momentum_step(
    w: np.ndarray,
    g: np.ndarray,
    state: dict,
    *,
    lr: float,
    beta: float = 0.9,
    parallel: bool | None = None,
    target: str = "cpu",
) -> None:
    """Momentum (3.2.3, eq. 3.1-3.2): ``v <- beta v + (1 - beta) g``; ``w <- w - eta v``."""
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("optim", "momentum_step")(w, g, state, lr=lr, beta=beta)
    lr, beta = _rate(lr), _beta("beta", beta)
    wf, gf, vf = _arrays(w, g, state, ("v",))
    c = w.dtype.type
    _pick(_cpu.momentum, _cpu.momentum_parallel, parallel, w.size)(wf, gf, vf, c(lr), c(beta))
    return None


def nesterov_lookahead(
    w: np.ndarray,
    state: dict,
    *,
    lr: float,
    beta: float = 0.9,
    out: np.ndarray | None = None,
    parallel: bool | None = None,
    target: str = "cpu",
) -> np.ndarray:
    """Nesterov's look-ahead point (3.2.4, eq. 3.3): ``w - eta beta v``, where the gradient is evaluated
    before :func:`nesterov_step`. Written into ``out`` (a new array if None) and returned."""
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("optim", "nesterov_lookahead")(w, state, lr=lr, beta=beta, out=out)
    lr, beta = _rate(lr), _beta("beta", beta)
    wf, vf = _arrays(w, None, state, ("v",))
    out = _validate.output(out, "w", w)
    c = w.dtype.type
    _pick(_cpu.nesterov_lookahead, _cpu.nesterov_lookahead_parallel, parallel, w.size)(
        wf, vf, c(lr), c(beta), _validate.flat(out)
    )
    return out


def nesterov_step(
    w: np.ndarray,
    g_ahead: np.ndarray,
    state: dict,
    *,
    lr: float,
    beta: float = 0.9,
    parallel: bool | None = None,
    target: str = "cpu",
) -> None:
    """Nesterov update (3.2.4, eq. 3.3-3.4) with ``g_ahead``, the gradient at :func:`nesterov_lookahead`:
    ``v <- beta v + (1 - beta) g_ahead``; ``w <- w - eta v``."""
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("optim", "nesterov_step")(w, g_ahead, state, lr=lr, beta=beta)
    lr, beta = _rate(lr), _beta("beta", beta)
    wf, gf, vf = _arrays(w, g_ahead, state, ("v",))
    c = w.dtype.type
    _pick(_cpu.nesterov, _cpu.nesterov_parallel, parallel, w.size)(wf, gf, vf, c(lr), c(beta))
    return None


def adagrad_step(
    w: np.ndarray,
    g: np.ndarray,
    state: dict,
    *,
    lr: float,
    eps: float = 1e-8,
    parallel: bool | None = None,
    target: str = "cpu",
) -> None:
    """Adagrad (3.2.5): ``G <- G + g^2``; ``w <- w - eta g / sqrt(G + eps)`` (eps inside the root)."""
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("optim", "adagrad_step")(w, g, state, lr=lr, eps=eps)
    lr, eps = _rate(lr), _eps(eps)
    wf, gf, Gf = _arrays(w, g, state, ("G",))
    c = w.dtype.type
    _pick(_cpu.adagrad, _cpu.adagrad_parallel, parallel, w.size)(wf, gf, Gf, c(lr), c(eps))
    return None


def rmsprop_step(
    w: np.ndarray,
    g: np.ndarray,
    state: dict,
    *,
    lr: float,
    beta: float = 0.9,
    eps: float = 1e-8,
    parallel: bool | None = None,
    target: str = "cpu",
) -> None:
    """RMSprop (3.2.6): ``E <- beta E + (1 - beta) g^2``; ``w <- w - eta g / sqrt(E + eps)``."""
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("optim", "rmsprop_step")(w, g, state, lr=lr, beta=beta, eps=eps)
    lr, beta, eps = _rate(lr), _beta("beta", beta), _eps(eps)
    wf, gf, Ef = _arrays(w, g, state, ("E",))
    c = w.dtype.type
    _pick(_cpu.rmsprop, _cpu.rmsprop_parallel, parallel, w.size)(wf, gf, Ef, c(lr), c(beta), c(eps))
    return None


def adam_step(
    w: np.ndarray,
    g: np.ndarray,
    state: dict,
    *,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    parallel: bool | None = None,
    target: str = "cpu",
) -> None:
    """Adam (3.2.7): ``t <- t + 1``; ``m <- beta1 m + (1 - beta1) g``; ``v <- beta2 v + (1 - beta2) g^2``;
    ``w <- w - eta (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)``."""
    if not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("optim", "adam_step")(
            w, g, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps
        )
    lr, beta1, beta2, eps = _rate(lr), _beta("beta1", beta1), _beta("beta2", beta2), _eps(eps)
    wf, gf, mf, vf = _arrays(w, g, state, ("m", "v"))
    t = state.get("t")
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
        raise ValueError(f"state['t'] must be a non-negative int (the step counter), got {t!r}")
    t = int(t) + 1
    c = w.dtype.type
    kernel = _pick(_cpu.adam, _cpu.adam_parallel, parallel, w.size)
    kernel(wf, gf, mf, vf, c(lr), c(beta1), c(beta2), c(eps), c(1.0 - beta1**t), c(1.0 - beta2**t))
    state["t"] = t
    return None


_STEPS = {
    "sgd": sgd_step,
    "momentum": momentum_step,
    "nesterov": nesterov_step,
    "adagrad": adagrad_step,
    "rmsprop": rmsprop_step,
    "adam": adam_step,
}


def step(
    name: str,
    w: np.ndarray,
    g: np.ndarray,
    state: dict,
    *,
    target: str = "cpu",
    parallel: bool | None = None,
    **hp: float,
) -> None:
    """One step of optimizer ``name`` with hyperparameters ``hp`` (the keywords of ``<name>_step``).

    For ``"nesterov"``, ``g`` must be the gradient at :func:`nesterov_lookahead`.
    """
    fn = _STEPS[_check_name(name)]
    if name == "sgd":
        return fn(w, g, parallel=parallel, target=target, **hp)
    return fn(w, g, state, parallel=parallel, target=target, **hp)

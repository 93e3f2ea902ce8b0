"""Peers of the fused optimizer kernels: NumPy written the obvious way, and ``torch.optim``.

The course's conventions (report 3.2, ``kernels/rules.py``) and PyTorch's differ for some optimizers; the
mapping used here is ``TORCH_MAPPING``. Where the formulas differ, the *memory traffic per element* is the
same (except Nesterov, see below), which is what a step benchmark measures.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

HP: dict[str, dict[str, float]] = {
    "sgd": {"lr": 1e-3},
    "momentum": {"lr": 1e-3, "beta": 0.9},
    "nesterov": {"lr": 1e-3, "beta": 0.9},
    "adagrad": {"lr": 1e-3, "eps": 1e-8},
    "rmsprop": {"lr": 1e-3, "beta": 0.9, "eps": 1e-8},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}
"""Hyperparameters of the step benchmark (small rates, so that thousands of steps stay finite)."""

BYTES_PER_ELEM: dict[str, int] = {
    "sgd": 12,  # read w, g; write w
    "momentum": 20,  # read w, g, v; write w, v
    "nesterov": 20,  # the step given g_ahead: as momentum
    "nesterov_lookahead": 12,  # read w, v; write the look-ahead point
    "adagrad": 20,  # read w, g, G; write w, G
    "rmsprop": 20,  # read w, g, E; write w, E
    "adam": 28,  # read w, g, m, v; write w, m, v
}
"""Bytes that must move per float32 element for one step (reads + writes of the step's arrays)."""

FLOOR_SHAPE: dict[str, str] = {
    "sgd": "1rw_1r",
    "momentum": "2rw_1r",
    "nesterov": "2rw_1r",
    "nesterov_lookahead": "2r_1w",
    "adagrad": "2rw_1r",
    "rmsprop": "2rw_1r",
    "adam": "3rw_1r",
}

TORCH_MAPPING: dict[str, str] = {
    "sgd": "torch.optim.SGD(lr): identical (w -= lr g).",
    "momentum": "torch.optim.SGD(lr, momentum=beta, dampening=beta): buf = beta buf + (1-beta) g, "
    "w -= lr buf; identical except that torch sets buf = g at its first step (course: v0 = 0).",
    "nesterov": "torch.optim.SGD(lr, momentum=beta, nesterov=True, dampening=0): torch's reformulation "
    "w -= lr (g + beta buf) evaluates g at w itself, the course (eq. 3.3-3.4) evaluates g at the look-ahead "
    "point w - lr beta v and damps by (1-beta); same traffic for the step (20 B), but the course needs the "
    "extra look-ahead pass (row nesterov_lookahead, 12 B) that torch's form avoids.",
    "adagrad": "torch.optim.Adagrad(lr, eps): torch divides by sqrt(G) + eps, the course by sqrt(G + eps); "
    "same traffic.",
    "rmsprop": "torch.optim.RMSprop(lr, alpha=beta, eps): torch divides by sqrt(E) + eps, the course by "
    "sqrt(E + eps); same traffic; torch has no fused CPU variant.",
    "adam": "torch.optim.Adam(lr, betas=(beta1, beta2), eps): identical (bias correction, eps outside the "
    "root, step counter incremented before the step).",
}


def numpy_step(name: str, w: np.ndarray, g: np.ndarray, state: dict) -> Callable[[], None]:
    """One step of ``name`` in NumPy written the obvious way (cs231n style), updating ``w`` and ``state``
    in place. ``state`` holds the arrays of ``kernels.optim.init_state`` (``t`` for Adam)."""
    hp = HP[name]
    lr = hp["lr"]
    if name == "sgd":

        def step() -> None:
            w[:] -= lr * g

    elif name in ("momentum", "nesterov"):
        v, beta = state["v"], hp["beta"]

        def step() -> None:
            v[:] = beta * v + (1 - beta) * g
            w[:] -= lr * v

    elif name == "adagrad":
        G, eps = state["G"], hp["eps"]

        def step() -> None:
            G[:] += g * g
            w[:] -= lr * g / np.sqrt(G + eps)

    elif name == "rmsprop":
        E, beta, eps = state["E"], hp["beta"], hp["eps"]

        def step() -> None:
            E[:] = beta * E + (1 - beta) * g * g
            w[:] -= lr * g / np.sqrt(E + eps)

    elif name == "adam":
        m, v = state["m"], state["v"]
        b1, b2, eps = hp["beta1"], hp["beta2"], hp["eps"]

        def step() -> None:
            state["t"] += 1
            t = state["t"]
            m[:] = b1 * m + (1 - b1) * g
            v[:] = b2 * v + (1 - b2) * g * g
            m_hat = m / (1 - b1**t)
            v_hat = v / (1 - b2**t)
            w[:] -= lr * m_hat / (np.sqrt(v_hat) + eps)

    else:
        raise ValueError(f"unknown optimizer {name!r}")
    return step


def numpy_lookahead(w: np.ndarray, state: dict, out: np.ndarray) -> Callable[[], None]:
    """The course's Nesterov look-ahead point ``w - lr beta v`` written into ``out`` (eq. 3.3)."""
    lr, beta = HP["nesterov"]["lr"], HP["nesterov"]["beta"]
    v = state["v"]

    def step() -> None:
        out[:] = w - lr * beta * v

    return step


TORCH_VARIANTS = ("foreach=False", "foreach=True", "fused=True")


def torch_optimizer(torch, name: str, param, variant: str):
    """A ``torch.optim`` optimizer for ``name`` mapped by ``TORCH_MAPPING``, or None if ``variant`` is not
    supported on CPU (the constructor or first step raises)."""
    hp = HP[name]
    flags = {
        "foreach=False": {"foreach": False},
        "foreach=True": {"foreach": True},
        "fused=True": {"fused": True},
    }[variant]
    optim = torch.optim
    try:
        if name == "sgd":
            opt = optim.SGD([param], lr=hp["lr"], **flags)
        elif name == "momentum":
            opt = optim.SGD([param], lr=hp["lr"], momentum=hp["beta"], dampening=hp["beta"], **flags)
        elif name == "nesterov":
            opt = optim.SGD([param], lr=hp["lr"], momentum=hp["beta"], nesterov=True, **flags)
        elif name == "adagrad":
            opt = optim.Adagrad([param], lr=hp["lr"], eps=hp["eps"], **flags)
        elif name == "rmsprop":
            opt = optim.RMSprop([param], lr=hp["lr"], alpha=hp["beta"], eps=hp["eps"], **flags)
        elif name == "adam":
            opt = optim.Adam([param], lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"], **flags)
        else:
            raise ValueError(f"unknown optimizer {name!r}")
        opt.step()
    except (TypeError, RuntimeError):
        return None
    return opt

"""Activations on the GPU (report 1.2-1.3): one grid-stride kernel per rule of ``kernels.rules``, plus the
row-wise softmax.

``forward(name, z, out=None, **hp)`` computes ``f(z)`` and ``backward(name, z, out=None, *, upstream=None,
**hp)`` computes ``f'(z)`` (the derivative at the pre-activation, as the rules do), or ``upstream * f'(z)``
in the same pass; ``alpha`` is the one hyperparameter (leaky_relu, elu).
"""

from __future__ import annotations

import math

from numba import cuda

from kernels import activations as _front
from kernels.cuda import _arrays, config, device
from kernels.rules import DEFAULT_ALPHA


def _unary_kernel(fn):
    @cuda.jit
    def kernel(z, out):
        for i in range(cuda.grid(1), z.size, cuda.gridsize(1)):
            out[i] = fn(z[i])

    return kernel


def _alpha_kernel(fn):
    @cuda.jit
    def kernel(z, out, alpha):
        for i in range(cuda.grid(1), z.size, cuda.gridsize(1)):
            out[i] = fn(z[i], alpha)

    return kernel


def _chain_kernel(fn, with_alpha: bool):
    if with_alpha:

        @cuda.jit
        def kernel(g, z, out, alpha):
            for i in range(cuda.grid(1), z.size, cuda.gridsize(1)):
                out[i] = g[i] * fn(z[i], alpha)

        return kernel

    @cuda.jit
    def kernel(g, z, out):
        for i in range(cuda.grid(1), z.size, cuda.gridsize(1)):
            out[i] = g[i] * fn(z[i])

    return kernel


def _build(pairs: dict[str, object]) -> dict[str, object]:
    return {
        name: (_alpha_kernel(fn) if name in DEFAULT_ALPHA else _unary_kernel(fn))
        for name, fn in pairs.items()
    }


FORWARD = _build(
    {
        "step": device.step,
        "sigmoid": device.sigmoid,
        "tanh": device.tanh,
        "relu": device.relu,
        "leaky_relu": device.leaky_relu,
        "elu": device.elu,
    }
)
_GRADS = {
    "step": device.step_grad,
    "sigmoid": device.sigmoid_grad,
    "tanh": device.tanh_grad,
    "relu": device.relu_grad,
    "leaky_relu": device.leaky_relu_grad,
    "elu": device.elu_grad,
}
BACKWARD = _build(_GRADS)
NAMES = tuple(FORWARD)
CHAIN = {name: _chain_kernel(fn, name in DEFAULT_ALPHA) for name, fn in _GRADS.items()}
"""``out = g * f'(z)``: the chain rule through an activation in one pass (``delta = dJ/dA * f'(Z)``)."""


def _kernel(table: dict[str, object], name: str):
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(NAMES)}") from None


def _run(table: dict[str, object], name: str, arrays: tuple, hp: dict) -> None:
    """Launch activation ``name`` of ``table`` over the flat views of the device ``arrays`` (the first one
    sets the size and dtype), with ``alpha`` appended for the rules that take it."""
    kernel = _kernel(table, name)
    extra = set(hp) - ({"alpha"} if name in DEFAULT_ALPHA else set())
    if extra:
        raise ValueError(f"activation {name!r} takes no hyperparameter {sorted(extra)}")
    args = [_arrays.flat(a) for a in arrays]
    if name in DEFAULT_ALPHA:
        args.append(arrays[0].dtype.type(hp.get("alpha", DEFAULT_ALPHA[name])))
    kernel[config.blocks_for(args[0].size), config.THREADS_PER_BLOCK](*args)


def launch(table: dict[str, object], name: str, z_dev, out_dev, **hp) -> None:
    """Run activation ``name`` of ``table`` (``FORWARD`` or ``BACKWARD``) on device arrays: ``out = f(z)``."""
    _run(table, name, (z_dev, out_dev), hp)


def chain(name: str, g_dev, z_dev, out_dev, **hp) -> None:
    """``out = g * f'(z)`` on device arrays (``identity``: ``out = g``)."""
    if name == "identity":
        if out_dev is not g_dev:
            out_dev.copy_to_device(g_dev)
        return
    _run(CHAIN, name, (g_dev, z_dev, out_dev), hp)


def _apply(table, name: str, z, out, hp):
    _kernel(table, name)
    on_device = _arrays.is_device(z)
    zd = _arrays.to_device(z, "z")
    od = _arrays.output(out, tuple(zd.shape), zd.dtype)
    launch(table, name, zd, od, **hp)
    return _arrays.finish(od, out, on_device)


def _checked(name: object, hp: dict) -> dict:
    """``hp`` checked by the CPU API's own check (``kernels.activations.resolve``), ``alpha`` filled in."""
    _, alpha = _front.resolve(name, hp)
    return {"alpha": alpha} if name in DEFAULT_ALPHA else {}


def forward(name: str, z, out=None, **hp):
    """``f(z)`` element-wise for ``name`` in step, sigmoid, tanh, relu, leaky_relu, elu."""
    return _apply(FORWARD, name, z, out, _checked(name, hp))


def backward(name: str, z, out=None, *, upstream=None, **hp):
    """``f'(z)`` element-wise at the pre-activation ``z``; ``upstream * f'(z)`` when ``upstream`` is given."""
    hp = _checked(name, hp)
    if upstream is None:
        return _apply(BACKWARD, name, z, out, hp)
    on_device = _arrays.is_device(z)
    zd, ud = _arrays.to_device(z, "z"), _arrays.to_device(upstream, "upstream")
    _arrays.same_shape(("z", zd), ("upstream", ud))
    od = _arrays.output(out, tuple(zd.shape), zd.dtype)
    chain(name, ud, zd, od, **hp)
    return _arrays.finish(od, out, on_device)


def step(z, out=None):
    """Heaviside step (1.2): ``1 if z >= 0 else 0``."""
    return forward("step", z, out)


def sigmoid(z, out=None):
    """``1 / (1 + exp(-z))`` (1.3.4)."""
    return forward("sigmoid", z, out)


def tanh(z, out=None):
    """``tanh(z)`` (1.3.2)."""
    return forward("tanh", z, out)


def relu(z, out=None):
    """``max(0, z)`` (1.3.2)."""
    return forward("relu", z, out)


def leaky_relu(z, out=None, alpha: float = DEFAULT_ALPHA["leaky_relu"]):
    """``z if z > 0 else alpha z`` (1.3.3)."""
    return forward("leaky_relu", z, out, alpha=alpha)


def elu(z, out=None, alpha: float = DEFAULT_ALPHA["elu"]):
    """``z if z > 0 else alpha (exp(z) - 1)`` (1.3.3)."""
    return forward("elu", z, out, alpha=alpha)


@cuda.jit
def softmax_rows(z, out):
    """One thread per row: ``out[i, k] = exp(z[i, k] - max_k z[i]) / sum_k exp(z[i, k] - max_k z[i])``."""
    for i in range(cuda.grid(1), z.shape[0], cuda.gridsize(1)):
        zmax = z[i, 0]
        for k in range(1, z.shape[1]):
            zmax = max(zmax, z[i, k])
        s = 0.0
        for k in range(z.shape[1]):
            e = math.exp(z[i, k] - zmax)
            out[i, k] = e
            s += e
        for k in range(z.shape[1]):
            out[i, k] = out[i, k] / s


def softmax(z, out=None):
    """Row-wise, numerically stable softmax of a ``(batch, classes)`` array (1.3, multi-class output)."""
    on_device = _arrays.is_device(z)
    zd = _arrays.to_device(z, "z")
    if zd.ndim != 2:
        raise ValueError(f"softmax expects a 2-D (batch, classes) array, got shape {tuple(zd.shape)}")
    od = _arrays.output(out, tuple(zd.shape), zd.dtype)
    softmax_rows[config.blocks_for(zd.shape[0]), config.THREADS_PER_BLOCK](zd, od)
    return _arrays.finish(od, out, on_device)


__all__ = ["backward", "elu", "forward", "leaky_relu", "relu", "sigmoid", "softmax", "step", "tanh"]

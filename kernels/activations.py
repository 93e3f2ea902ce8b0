"""Activation functions and their derivatives (report 1.2, 1.3), element-wise, and the row-wise softmax.

``forward(name, z)`` computes ``f(z)`` and ``backward(name, z)`` computes ``f'(z)`` (times ``upstream``
when given: the chain-rule product ``dJ/dz = dJ/da * f'(z)`` of 2.3.4), for ``name`` in
step, sigmoid, tanh, relu, leaky_relu, elu. Leaky ReLU and ELU take ``alpha`` (defaults 0.01 and 1.0).
Inputs are C-contiguous float32/float64 arrays of any shape; results have the input's shape and dtype.
"""

from __future__ import annotations

import numpy as np

from kernels import _dispatch, _validate
from kernels.cpu import activations as _cpu
from kernels.rules import DEFAULT_ALPHA

NAMES = ("step", "sigmoid", "tanh", "relu", "leaky_relu", "elu")
PARALLEL_THRESHOLD = 1 << 18
"""From this many elements on, ``forward`` and ``backward`` run the ``prange`` kernels. Measured on the
2-vCPU machine (serial against ``prange`` at 2 threads, fastest of 15): at 32k elements the ``prange`` call
lost (its threads' wake-up, milliseconds when the machine was busy); at 128k it won 1.7x (ReLU) and 1.9x
(tanh), at 512k 2.5x and 1.8x. 256k leaves a margin for a busy machine."""


_DEFAULT_CALLS = {name: (_cpu.CODES[name], float(DEFAULT_ALPHA.get(name, 0.0))) for name in NAMES}


def resolve(name: object, hp: dict[str, object]) -> tuple[int, float]:
    """``(code, alpha)`` of activation ``name`` called with the keywords ``hp``, checked: an unknown name,
    an unknown keyword or a bad ``alpha`` raises here. The one check of both targets
    (``kernels.cuda.activations`` calls it too), before any kernel runs."""
    if not hp and type(name) is str:
        known = _DEFAULT_CALLS.get(name)
        if known is not None:
            return known
    if name not in NAMES:
        raise ValueError(f"unknown activation {name!r}; expected one of {NAMES}")
    allowed = {"alpha"} if name in DEFAULT_ALPHA else set()
    unknown = set(hp) - allowed
    if unknown:
        raise TypeError(f"activation {name!r} takes no hyperparameter(s) {sorted(unknown)}")
    alpha = _validate.number("alpha", hp.get("alpha", DEFAULT_ALPHA.get(name, 0.0)))
    return _cpu.CODES[name], alpha


def _cuda_hp(name: str, alpha: float) -> dict[str, float]:
    return {"alpha": alpha} if name in DEFAULT_ALPHA else {}


def forward(
    name: str, z: np.ndarray, out: np.ndarray | None = None, *, target: str = "cpu", **hp: float
) -> np.ndarray:
    """``f(z)`` element-wise for the activation ``name`` (1.3.2-1.3.3); writes into ``out`` if given."""
    code, alpha = resolve(name, hp)
    if target != "cpu" and not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("activations", "forward")(name, z, out, **_cuda_hp(name, alpha))
    _validate.float_array("z", z)
    out = _validate.output(out, "z", z)
    kernel = _cpu.forward_parallel if z.size >= PARALLEL_THRESHOLD else _cpu.forward
    kernel(code, _validate.flat(z), _validate.flat(out), _validate.scalar(alpha, z.dtype))
    return out


def backward(
    name: str,
    z: np.ndarray,
    out: np.ndarray | None = None,
    *,
    upstream: np.ndarray | None = None,
    target: str = "cpu",
    **hp: float,
) -> np.ndarray:
    """``f'(z)`` element-wise (``upstream * f'(z)`` when ``upstream`` is given), at the pre-activation ``z``.

    The step function's derivative is 0 everywhere (taken as 0 at ``z = 0``), ReLU's is 0 at ``z = 0``.
    """
    code, alpha = resolve(name, hp)
    if target != "cpu" and not _dispatch.is_cpu(target):
        extra = {} if upstream is None else {"upstream": upstream}
        return _dispatch.cuda_function("activations", "backward")(
            name, z, out, **extra, **_cuda_hp(name, alpha)
        )
    _validate.float_array("z", z)
    out = _validate.output(out, "z", z)
    zf, of = _validate.flat(z), _validate.flat(out)
    if upstream is None:
        of.fill(1)  # f'(z) is the chain rule's product with an upstream of ones, written in place
        up = of
    else:
        up = _validate.flat(_validate.like("upstream", upstream, "z", z))
    kernel = _cpu.derivative_parallel if z.size >= PARALLEL_THRESHOLD else _cpu.derivative
    kernel(code, zf, up, of, _validate.scalar(alpha, z.dtype))
    return out


def softmax(z: np.ndarray, out: np.ndarray | None = None, *, target: str = "cpu") -> np.ndarray:
    """Row-wise stable softmax of a 2-D ``(batch, classes)`` array (1.3.3):
    ``softmax(z)_ij = exp(z_ij - max_k z_ik) / sum_k exp(z_ik - max_k z_ik)``."""
    if target != "cpu" and not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("activations", "softmax")(z, out)
    _validate.float_array("z", z, ndim=2)
    out = _validate.output(out, "z", z)
    _cpu.softmax(z, out)
    return out


def step(z: np.ndarray, out: np.ndarray | None = None, *, target: str = "cpu") -> np.ndarray:
    """Heaviside step (1.2): ``1 if z >= 0 else 0``."""
    return forward("step", z, out, target=target)


def sigmoid(z: np.ndarray, out: np.ndarray | None = None, *, target: str = "cpu") -> np.ndarray:
    """Logistic sigmoid (1.3.4): ``1 / (1 + exp(-z))``, stable for large ``|z|``."""
    return forward("sigmoid", z, out, target=target)


def tanh(z: np.ndarray, out: np.ndarray | None = None, *, target: str = "cpu") -> np.ndarray:
    """Hyperbolic tangent (1.3.2)."""
    return forward("tanh", z, out, target=target)


def relu(z: np.ndarray, out: np.ndarray | None = None, *, target: str = "cpu") -> np.ndarray:
    """ReLU (1.3.2): ``max(0, z)``."""
    return forward("relu", z, out, target=target)


def leaky_relu(
    z: np.ndarray,
    out: np.ndarray | None = None,
    *,
    alpha: float = DEFAULT_ALPHA["leaky_relu"],
    target: str = "cpu",
) -> np.ndarray:
    """Leaky ReLU (1.3.3): ``z if z > 0 else alpha z``."""
    return forward("leaky_relu", z, out, target=target, alpha=alpha)


def elu(
    z: np.ndarray, out: np.ndarray | None = None, *, alpha: float = DEFAULT_ALPHA["elu"], target: str = "cpu"
) -> np.ndarray:
    """ELU (1.3.3): ``z if z > 0 else alpha (exp(z) - 1)``."""
    return forward("elu", z, out, target=target, alpha=alpha)

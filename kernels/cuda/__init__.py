"""The CUDA target of ``kernels``: the public names of the CPU API, run with ``numba.cuda``.

NumPy arrays in give NumPy arrays out (copied to the device and back); device arrays in give device arrays
out, so a caller can keep a whole training loop on the GPU. In-place operations (optimizer steps,
``l2_grad``) update device arrays directly and NumPy arrays through a round trip. Each module is named like
its CPU twin (``kernels.cuda.activations``, ``.layers``, ``.losses``, ``.optim``, ``.regularization``,
``.train``), and ``kernels.<module>.<name>(..., target="cuda")`` calls ``kernels.cuda.<module>.<name>``.
The names below are those modules' public functions in one namespace, except two that would be ambiguous:
``step`` (the optimizer step ``kernels.cuda.optim.step`` and the Heaviside ``kernels.cuda.activations.step``)
and ``train`` (the function ``kernels.cuda.train.train``; ``kernels.cuda.train`` is its module).

Without numba-cuda or without a usable GPU every name still exists and raises ``CudaUnavailableError`` with
the reason (``NUMBA_ENABLE_CUDASIM=1``, set before Numba is imported, runs the kernels in Numba's simulator).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "CudaUnavailableError",
    "adagrad_step",
    "adam_step",
    "available",
    "backward",
    "binary_cross_entropy",
    "dense_backward",
    "dense_forward",
    "dropout_backward",
    "dropout_forward",
    "dropout_mask",
    "elu",
    "forward",
    "init_state",
    "l2_grad",
    "l2_penalty",
    "leaky_relu",
    "momentum_step",
    "mse",
    "nesterov_lookahead",
    "nesterov_step",
    "quadratic",
    "relu",
    "rmsprop_step",
    "sgd_step",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "tanh",
    "unavailable_reason",
]


class CudaUnavailableError(RuntimeError):
    """``target="cuda"`` was asked for but numba-cuda or a CUDA device is missing."""


def _find_reason() -> str | None:
    try:
        from numba import cuda
    except ImportError as exc:
        return f"numba-cuda is not installed ({exc}); install it with: pip install 'deepgrade[cuda]'"
    if not cuda.is_available():
        return (
            "no usable CUDA GPU or driver was found (numba.cuda.is_available() is False); "
            "set NUMBA_ENABLE_CUDASIM=1 before importing numba to run the kernels in the simulator"
        )
    return None


unavailable_reason: str | None = _find_reason()
available: bool = unavailable_reason is None


_NOT_KERNELS = frozenset({"CudaUnavailableError", "available", "unavailable_reason"})


def _unavailable(name: str) -> Callable:
    def fn(*args, **kwargs):
        raise CudaUnavailableError(f"kernels.cuda.{name}: CUDA target unavailable: {unavailable_reason}")

    fn.__name__ = name
    return fn


if available:
    from kernels.cuda.activations import backward, elu, forward, leaky_relu, relu, sigmoid, softmax, tanh
    from kernels.cuda.layers import dense_backward, dense_forward
    from kernels.cuda.losses import binary_cross_entropy, mse, quadratic, softmax_cross_entropy
    from kernels.cuda.optim import (
        adagrad_step,
        adam_step,
        init_state,
        momentum_step,
        nesterov_lookahead,
        nesterov_step,
        rmsprop_step,
        sgd_step,
    )
    from kernels.cuda.regularization import (
        dropout_backward,
        dropout_forward,
        dropout_mask,
        l2_grad,
        l2_penalty,
    )
else:
    globals().update({n: _unavailable(n) for n in __all__ if n not in _NOT_KERNELS})

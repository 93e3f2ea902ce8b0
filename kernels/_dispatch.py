"""The ``target`` keyword of the public API: CPU kernels here, CUDA kernels from ``kernels.cuda``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

TARGETS = ("cpu", "cuda")
_CUDA_MODULES = {"activations": ("activations", "elementwise")}


def is_cpu(target: object) -> bool:
    """True for ``"cpu"``, False for ``"cuda"``, ``ValueError`` for anything else."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    return target == "cpu"


def cuda_function(module: str, name: str) -> Callable[..., object]:
    """The function ``name`` of ``kernels.cuda.<module>``, imported on first use.

    Raises ``RuntimeError`` naming the ``cuda`` extra when numba-cuda, a GPU or the function is missing.
    """
    hint = "install the CUDA extra (pip install 'deepgrade[cuda]') on a machine with an NVIDIA GPU"
    try:
        from numba import cuda
    except ImportError as exc:
        raise RuntimeError(f"target='cuda' needs numba-cuda: {hint}") from exc
    if not cuda.is_available():
        raise RuntimeError(f"target='cuda' but numba.cuda finds no usable GPU: {hint}")
    for candidate in _CUDA_MODULES.get(module, (module,)):
        try:
            found = importlib.import_module(f"kernels.cuda.{candidate}")
        except ModuleNotFoundError as exc:
            if exc.name is None or not exc.name.startswith("kernels.cuda"):
                raise RuntimeError(
                    f"target='cuda': importing kernels.cuda.{candidate} failed: {exc}"
                ) from exc
            continue
        fn = getattr(found, name, None)
        if callable(fn):
            return fn
    raise RuntimeError(f"target='cuda': kernels.cuda provides no {module}.{name} ({hint})")

"""The ``target`` keyword of the public API: CPU kernels here, CUDA kernels from ``kernels.cuda.<module>``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

TARGETS = ("cpu", "cuda")
CUDA_HINT = "install the CUDA extra (pip install 'deepgrade[cuda]') and run on a machine with an NVIDIA GPU"


def is_cpu(target: object) -> bool:
    """True for ``"cpu"``, False for ``"cuda"``, ``ValueError`` for anything else."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    return target == "cpu"


def cuda_function(module: str, name: str) -> Callable[..., object]:
    """``kernels.cuda.<module>.<name>``, the CUDA twin of ``kernels.<module>.<name>``, imported on first use.

    Raises ``RuntimeError`` naming the ``cuda`` extra when numba-cuda, a GPU or the function is missing.
    """
    try:
        cuda = importlib.import_module("kernels.cuda")
    except ImportError as exc:
        raise RuntimeError(f"target='cuda': kernels.cuda cannot be imported ({exc}); {CUDA_HINT}") from exc
    if not getattr(cuda, "available", False):
        reason = getattr(cuda, "unavailable_reason", None) or "numba.cuda is unavailable"
        raise RuntimeError(f"target='cuda' for kernels.{module}.{name}: {reason}; {CUDA_HINT}")
    twin = f"kernels.cuda.{module}"
    try:
        fn = getattr(importlib.import_module(twin), name, None)
    except ImportError as exc:
        raise RuntimeError(f"target='cuda': {twin} cannot be imported ({exc}); {CUDA_HINT}") from exc
    if not callable(fn):
        raise RuntimeError(f"target='cuda': {twin} has no {name} (the twin of kernels.{module}.{name})")
    return fn

"""deepgrade kernels: Numba CPU kernels (and optional CUDA ones) for every computation of the course.

Submodules load on first attribute access, so ``import kernels`` stays cheap (no Numba import, no
compilation): ``kernels.optim.adam_step(...)`` imports ``kernels.optim`` then. Kernels compile on their
first call per dtype and are cached on disk.
"""

from __future__ import annotations

import importlib
from typing import Any

SUBMODULES = ("activations", "layers", "losses", "mlp", "optim", "regularization", "rules", "train")

__all__ = [*SUBMODULES, "check_finite"]


def check_finite(**arrays: Any) -> None:
    """Raise ``FloatingPointError`` naming the first array that holds a NaN or an infinity."""
    from kernels._validate import check_finite as check

    check(**arrays)


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"kernels.{name}")
    raise AttributeError(f"module 'kernels' has no attribute {name!r}")

"""The Numba decorators every CPU kernel uses, fixed in one place.

``error_model="numpy"`` removes the zero-division check Numba adds to each float division by default,
which otherwise blocks vectorisation (a 6-19x slowdown on the optimizer steps, see PERF_NOTES). Parallel
kernels are separate functions, never flag variants of one body: variants that differ only in decorator
flags share one cache entry.

Numba's on-disk cache keys a kernel on its own bytecode only, so a kernel whose *callee* changed (a rule
in ``kernels/rules.py``, a helper in another module) would load stale machine code. The cache used here
adds a hash of the sources of ``kernels/rules.py`` and ``kernels/cpu/*.py`` to the key.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FunctionType, ModuleType

import numpy as np
from numba import njit, types
from numba.core.caching import FunctionCache
from numba.extending import overload

_PACKAGE = Path(__file__).resolve().parent


def _sources_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted([_PACKAGE / "rules.py", _PACKAGE / "_jit.py", *(_PACKAGE / "cpu").glob("*.py")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


_SOURCES_HASH = _sources_hash()


class _PackageCache(FunctionCache):
    """Numba's function cache with the hash of the kernels' sources added to the index key."""

    def _index_key(self, sig, codegen):
        return (*super()._index_key(sig, codegen), _SOURCES_HASH)


def _cached(**flags):
    def decorate(fn):
        dispatcher = njit(error_model="numpy", **flags)(fn)
        dispatcher._cache = _PackageCache(fn)
        return dispatcher

    return decorate


kernel = _cached()
"""Decorator of a serial CPU kernel (compiled on first call per dtype, cached on disk)."""

parallel_kernel = _cached(parallel=True)
"""Decorator of a ``prange`` CPU kernel for large vectors."""


def _math_with(overrides: Mapping[str, Callable[..., object]]) -> ModuleType:
    clone = ModuleType("math")
    vars(clone).update(vars(math))
    vars(clone).update(overrides)
    return clone


def _compiled_namespace(
    module: ModuleType, literal: Callable[[float], object], math_module: ModuleType
) -> dict[str, object]:
    namespace = dict(vars(module))
    namespace["math"] = math_module
    for name, obj in vars(module).items():
        if isinstance(obj, FunctionType) and obj.__module__ == module.__name__:
            consts = tuple(literal(c) if type(c) is float else c for c in obj.__code__.co_consts)
            clone = FunctionType(obj.__code__.replace(co_consts=consts), namespace, name, None, None)
            namespace[name] = njit(error_model="numpy")(clone)
    return namespace


def _select_by_dtype(name: str, as_f64: object, as_f32: object) -> Callable[..., object]:
    def rule(*args):
        raise TypeError(f"{name}: the compiled rule runs only inside Numba kernels")

    rule.__name__ = rule.__qualname__ = name

    @overload(rule, jit_options={"error_model": "numpy"})
    def _typed(*args):
        target = as_f32 if args[0] == types.float32 else as_f64
        return lambda *args: target(*args)

    return rule


def compile_rules(
    module: ModuleType, math_overrides: Mapping[str, Callable[..., object]] | None = None
) -> dict[str, Callable[..., object]]:
    """Compile every scalar rule of ``module`` for use inside CPU kernels (LLVM inlines them).

    The code objects are the very ones of ``module``, so each formula stays written once; two things
    are adapted for Numba:

    * a rule may call another rule (``sigmoid_grad`` calls ``sigmoid``), and Numba cannot call a plain
      Python function, so each rule is re-bound to a namespace where its fellow rules are compiled;
    * Numba types a float literal as float64, so ``1.0 - beta`` would run a float32 kernel in float64
      (2-3x slower, measured on Adam). A second compilation gets its float literals as ``np.float32``;
      the returned function picks it when its first argument is float32.

    ``math_overrides`` replaces functions of ``math`` as the rules see it (``{"exp": vexp.exp}`` gives the
    CPU rules a vectorisable ``exp``); the plain rules and the CUDA compilation keep ``math``.
    """
    math_module = _math_with(math_overrides or {})
    as_f64 = _compiled_namespace(module, float, math_module)
    as_f32 = _compiled_namespace(module, np.float32, math_module)
    return {
        name: _select_by_dtype(name, as_f64[name], as_f32[name])
        for name, obj in vars(module).items()
        if isinstance(obj, FunctionType) and obj.__module__ == module.__name__
    }

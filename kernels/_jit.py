"""The Numba decorators every CPU kernel uses, fixed in one place.

``error_model="numpy"`` removes the zero-division check Numba adds to each float division by default,
which otherwise blocks vectorisation (measured with numba 0.68.1 on a 2-vCPU AMD EPYC Zen 5: a serial Adam
step was 6x slower with the default ``error_model="python"``, 19x at 85k parameters).

Kernels are cached on disk under a key that holds a hash of the sources of ``kernels/rules.py``,
``kernels/rows.py``, ``kernels/_jit.py``, ``kernels/_numba_private.py`` and ``kernels/cpu/*.py`` (Numba's
own key covers only a kernel's bytecode, so an edited rule would load stale code) and the decorator's flags
(so a serial and a ``prange`` dispatcher of one function never share an entry). The private Numba API
this needs is in ``kernels/_numba_private.py``, behind a version fence.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FunctionType, ModuleType

import numpy as np
from numba import njit, types
from numba.extending import overload

from kernels._numba_private import cached_njit

_PACKAGE = Path(__file__).resolve().parent


def _sources_hash() -> str:
    digest = hashlib.sha256()
    own = [_PACKAGE / name for name in ("rules.py", "rows.py", "_jit.py", "_numba_private.py")]
    for path in sorted([*own, *(_PACKAGE / "cpu").glob("*.py")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


_SOURCES_HASH = _sources_hash()


def kernel(fn: Callable[..., object]) -> Callable[..., object]:
    """Decorator of a serial CPU kernel (compiled on first call per dtype, cached on disk)."""
    return cached_njit(fn, _SOURCES_HASH, error_model="numpy")


def parallel_kernel(fn: Callable[..., object]) -> Callable[..., object]:
    """Decorator of a ``prange`` CPU kernel for large vectors."""
    return cached_njit(fn, _SOURCES_HASH, error_model="numpy", parallel=True)


def inner_parallel_kernel(fn: Callable[..., object]) -> Callable[..., object]:
    """Decorator of a ``prange`` kernel called from other (cached) kernels: compiled, never cached on disk.

    A cached kernel compiled in a process that had *loaded* such a callee from Numba's disk cache saves an
    entry that crashes (SIGSEGV, a call to address 0) in every later process that loads it: measured here
    with ``kernels.cpu.train.train_history`` calling ``kernels.cpu.mlp.loss_and_grad_blocks``, deterministic
    once the callee's entry came from an earlier process (the pattern of numba issue 8578, still open). With
    the callee uncached, the caller is always compiled together with it; it is compiled only when its
    caller is, so it costs nothing once the caller's entry is on disk
    (``tests/kernels/test_kernels_jit.py``)."""
    return njit(error_model="numpy", parallel=True)(fn)


def serial_and_parallel(fn: Callable[..., object]) -> tuple[Callable[..., object], Callable[..., object]]:
    """``(kernel(fn), parallel_kernel(fn))`` of one loop written with ``prange`` (a ``range`` in the serial
    one): the two differ in their cache keys, so neither loads the other's code."""
    return kernel(fn), parallel_kernel(fn)


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
            # CodeType.replace is public CPython API (3.8+), not a Numba internal.
            clone = FunctionType(obj.__code__.replace(co_consts=consts), namespace, name, None, None)
            namespace[name] = njit(error_model="numpy", inline="always")(clone)
    return namespace


def _select_by_dtype(name: str, nargs: int, as_f64: object, as_f32: object) -> Callable[..., object]:
    """The rule ``name`` as one function for Numba code: its float32 or float64 compilation by the type of its
    first argument, inlined by Numba itself (LLVM declined to inline the larger ones, float64 tanh, which
    left a call in the loop and kept it scalar). Written with ``nargs`` named parameters: Numba inlines no
    function taking ``*args``."""
    params = ", ".join(f"a{i}" for i in range(nargs))
    namespace = {"types": types, "as_f32": as_f32, "as_f64": as_f64}
    source = (
        f"def rule({params}):\n"
        f"    raise TypeError('{name}: the compiled rule runs only inside Numba kernels')\n"
        f"def typed({params}):\n"
        f"    target = as_f32 if a0 == types.float32 else as_f64\n"
        f"    def impl({params}):\n"
        f"        return target({params})\n"
        f"    return impl\n"
    )
    exec(source, namespace)
    rule = namespace["rule"]
    rule.__name__ = rule.__qualname__ = name
    overload(rule, inline="always", jit_options={"error_model": "numpy"})(namespace["typed"])
    return rule


def compile_rules(
    module: ModuleType, math_overrides: Mapping[str, Callable[..., object]] | None = None
) -> dict[str, Callable[..., object]]:
    """Compile every scalar rule of ``module`` for use inside CPU kernels (Numba inlines them).

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
        name: _select_by_dtype(name, obj.__code__.co_argcount, as_f64[name], as_f32[name])
        for name, obj in vars(module).items()
        if isinstance(obj, FunctionType) and obj.__module__ == module.__name__
    }

"""The scalar rules of ``kernels.rules`` compiled once as CUDA device functions.

A rule that calls no other rule is compiled as the very function object of ``kernels.rules``. A rule that
calls a fellow rule (``sigmoid_grad`` calls ``sigmoid``) is compiled from the same code object re-bound to a
namespace where its fellows are the device versions, since a device function cannot call plain Python. No
formula is written here.
"""

from __future__ import annotations

from types import FunctionType, ModuleType

from numba import cuda

from kernels import rules


def compile_device_rules(module: ModuleType) -> dict[str, object]:
    """Return ``{name: cuda.jit(device=True) version}`` for every function defined in ``module``."""
    own = {
        name: obj
        for name, obj in vars(module).items()
        if isinstance(obj, FunctionType) and obj.__module__ == module.__name__
    }
    namespace = dict(vars(module))
    compiled: dict[str, object] = {}
    for name, fn in own.items():
        if set(fn.__code__.co_names) & own.keys():
            fn = FunctionType(fn.__code__, namespace, name, fn.__defaults__, fn.__closure__)
            fn.__qualname__ = own[name].__qualname__
        compiled[name] = namespace[name] = cuda.jit(device=True)(fn)
    return compiled


_dev = compile_device_rules(rules)
globals().update(_dev)  # every rule under its own name: device.sigmoid, device.adam_rule, ...
__all__ = sorted(_dev)

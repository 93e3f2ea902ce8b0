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

step = _dev["step"]
step_grad = _dev["step_grad"]
sigmoid = _dev["sigmoid"]
sigmoid_grad = _dev["sigmoid_grad"]
tanh = _dev["tanh"]
tanh_grad = _dev["tanh_grad"]
relu = _dev["relu"]
relu_grad = _dev["relu_grad"]
leaky_relu = _dev["leaky_relu"]
leaky_relu_grad = _dev["leaky_relu_grad"]
elu = _dev["elu"]
elu_grad = _dev["elu_grad"]

quadratic_loss = _dev["quadratic_loss"]
quadratic_loss_grad = _dev["quadratic_loss_grad"]
binary_cross_entropy = _dev["binary_cross_entropy"]
binary_cross_entropy_grad = _dev["binary_cross_entropy_grad"]

sgd_rule = _dev["sgd_rule"]
momentum_rule = _dev["momentum_rule"]
nesterov_lookahead_rule = _dev["nesterov_lookahead_rule"]
nesterov_rule = _dev["nesterov_rule"]
adagrad_rule = _dev["adagrad_rule"]
rmsprop_rule = _dev["rmsprop_rule"]
adam_rule = _dev["adam_rule"]

l2_penalty_term = _dev["l2_penalty_term"]
l2_grad_rule = _dev["l2_grad_rule"]
dropout_rule = _dev["dropout_rule"]

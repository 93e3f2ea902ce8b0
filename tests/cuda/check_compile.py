"""Every CUDA kernel types and lowers with the real CUDA compiler (not the simulator, which checks no
types), for float32 and float64, with the argument types its wrapper passes; no GPU needed.

``compile_cuda`` runs Numba's CUDA typing and lowering to NVVM IR; only the last step to PTX needs NVVM and a
device, so a typing or lowering error in a kernel or in a rule it calls fails here on any machine. The
compute capability a device function is typed for is normally read from the current device; the fixture
supplies 9.0 instead."""

from __future__ import annotations

import os
import types

import numpy as np
import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    pytest.skip("typing needs the real CUDA target, not the simulator", allow_module_level=True)

import numba.cuda.dispatcher as cuda_dispatcher
from numba.cuda import float32, float64, int64, uint8, void
from numba.cuda.compiler import compile_cuda
from numba.cuda.random import xoroshiro128p_type

from kernels.cuda import activations, bandwidth, layers, losses, optim, regularization, train

F64_1 = float64[::1]


@pytest.fixture(autouse=True)
def _typed_for_cc90(monkeypatch):
    monkeypatch.setattr(
        cuda_dispatcher, "get_current_device", lambda: types.SimpleNamespace(compute_capability=(9, 0))
    )


def _kernels(dt):
    """``(name, dispatcher, argument types)`` of every kernel for element type ``dt``."""
    v, m = dt[::1], dt[:, ::1]
    out = []
    for name in activations.NAMES:
        alpha = (dt,) if name in activations.DEFAULT_ALPHA else ()
        out += [
            (f"forward {name}", activations.FORWARD[name], (v, v, *alpha)),
            (f"backward {name}", activations.BACKWARD[name], (v, v, *alpha)),
            (f"chain {name}", activations.CHAIN[name], (v, v, v, *alpha)),
        ]
    out += [
        ("softmax", activations.softmax_rows, (m, m)),
        ("sgd", optim.sgd_kernel, (v, v, dt)),
        ("momentum", optim.momentum_kernel, (v, v, v, dt, dt)),
        ("nesterov lookahead", optim.nesterov_lookahead_kernel, (v, v, v, dt, dt)),
        ("nesterov", optim.nesterov_kernel, (v, v, v, dt, dt)),
        ("adagrad", optim.adagrad_kernel, (v, v, v, dt, dt)),
        ("rmsprop", optim.rmsprop_kernel, (v, v, v, dt, dt, dt)),
        ("adam", optim.adam_kernel, (v, v, v, v, *(dt,) * 6)),
        ("zero", optim.zero_kernel, (v,)),
        ("quadratic", losses._elementwise_kernel(256, "quadratic"), (v, v, dt, float64, dt, v, F64_1)),
        ("bce", losses._elementwise_kernel(256, "binary_cross_entropy"), (v, v, dt, float64, dt, v, F64_1)),
        ("softmax ce", losses._softmax_ce_kernel(256), (m, m, float64, dt, m, F64_1)),
        ("column sums", layers.column_sums, (m, v)),
        ("l2 penalty", regularization._l2_penalty_kernel(256), (v, float64, F64_1)),
        ("l2 grad", regularization.l2_grad_kernel, (v, v, dt)),
        ("dropout mask", regularization.mask_kernel, (xoroshiro128p_type[::1], float32, v)),
        ("dropout", regularization.dropout_kernel, (v, v, dt, v)),
        ("gather rows", train.gather_rows, (m, int64[::1], int64, m)),
        ("dropout rows", train.dropout_rows, (m, uint8[::1], int64, dt, dt, m)),
        ("count correct", train.count_correct, (m, m, int64[::1])),
        ("copy roof", bandwidth.copy_kernel, (v, v)),
        ("adam traffic", bandwidth.adam_traffic_kernel, (v, v, v, v)),
    ]
    for ta, tb, bias in [(False, True, True), (True, False, False), (False, False, False)]:
        kernel = layers._gemm_kernel(16, np.dtype(dt.name), ta, tb, bias)
        out.append((f"gemm trans_a={ta} trans_b={tb} bias={bias}", kernel, (m, m, v, m)))
    return out


@pytest.mark.parametrize("dt", [float32, float64], ids=["float32", "float64"])
def test_every_kernel_compiles_for_the_gpu(dt):
    failures = []
    for name, kernel, args in _kernels(dt):
        try:
            compile_cuda(kernel.py_func, void, args, cc=(9, 0))
        except Exception as exc:  # the message of each failing kernel is the test's report
            failures.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    assert not failures, "\n".join(failures)

"""Row-wise formulas shared by the CPU and the CUDA kernels, written once.

Unlike the scalar rules of ``kernels.rules``, a function here loops over one row of 2-D arrays, and it is
compiled as it stands: ``kernels._jit.kernel`` for the CPU (``kernels.cpu.losses``) and
``cuda.jit(device=True)`` for CUDA (``kernels.cuda.losses``). Its float literals therefore stay float64, so
its sums accumulate in float64 whatever the input dtype, and ``math.exp`` is each target's own.
"""

from __future__ import annotations

import math


def softmax_cross_entropy_row(z, y, grad, i, grad_scale, acc):
    """Softmax cross-entropy of row ``i`` of the logits ``z`` against the target row ``y[i]`` (one-hot or a
    distribution; 1.3.3, 2.3.4), with ``log softmax(z_i) = z_i - m - log sum_j exp(z_ij - m)``,
    ``m = max_j z_ij``: returns ``acc - sum_j y_ij log softmax(z_i)_j`` and writes
    ``grad[i] = grad_scale (softmax(z_i) sum_j y_ij - y_i)``."""
    m = z[i, 0]
    y_sum = 0.0
    for j in range(z.shape[1]):
        m = max(m, z[i, j])
        y_sum += y[i, j]
    s = 0.0
    for j in range(z.shape[1]):
        s += math.exp(z[i, j] - m)
    log_s = math.log(s)
    for j in range(z.shape[1]):
        log_p = z[i, j] - m - log_s
        acc -= y[i, j] * log_p
        grad[i, j] = grad_scale * (math.exp(log_p) * y_sum - y[i, j])
    return acc

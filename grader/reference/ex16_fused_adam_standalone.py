"""Reference for exercise 16 as the engine runs it in a reference child: ``adam_step_fused`` with NumPy and
Numba only, because no sandbox child can import ``kernels/`` (it holds implementations of graded functions).

The loop is the course kernel's serial Adam (``kernels.cpu.optim.adam`` with ``kernels.rules.adam_rule``,
``error_model="numpy"``), written out here; ``grader/reference/ex16_fused_adam.py`` calls that kernel
itself, and ``tests/grader/test_overlay.py`` checks that the two agree. Same signature and
in-place contract as the exercise; ``t`` (>= 1) is already incremented (report 3.2.7).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(error_model="numpy")
def _adam(w, g, m, v, lr, beta1, beta2, eps, bc1, bc2):
    scale, root = lr / bc1, 1.0 / math.sqrt(bc2)
    for i in range(w.size):
        mi = beta1 * m[i] + (1.0 - beta1) * g[i]
        vi = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
        w[i] = w[i] - scale * mi / (math.sqrt(vi) * root + eps)
        m[i], v[i] = mi, vi


def adam_step_fused(
    w: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """One Adam step in place on 1-D float64 arrays; ``t`` (>= 1) already incremented."""
    t = int(t)
    _adam(w, g, m, v, float(lr), float(beta1), float(beta2), float(eps), 1.0 - beta1**t, 1.0 - beta2**t)

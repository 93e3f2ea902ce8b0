"""Reference for exercise 16: ``adam_step_fused`` backed by the course's fused Adam kernel.

Same signature and in-place contract as the exercise. It calls the serial CPU kernel
``kernels.cpu.optim.adam``, the one ``kernels.optim.adam_step`` runs on a CPU, with the bias corrections
``bc1 = 1 - beta1^t`` and ``bc2 = 1 - beta2^t`` computed here, as the driver does (report 3.2.7).
"""

from __future__ import annotations

import numpy as np

from kernels.cpu.optim import adam


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
    adam(w, g, m, v, lr, beta1, beta2, eps, 1.0 - beta1**t, 1.0 - beta2**t)

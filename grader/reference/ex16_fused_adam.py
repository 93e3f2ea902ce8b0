"""Reference for exercise 16: ``adam_step_fused`` backed by the course's kernel ``kernels.optim.adam_step``.

Same signature and in-place contract as the exercise. ``kernels.optim.adam_step`` keeps the step counter
in its state and increments it before the step, so it receives ``t - 1`` for the exercise's ``t``
(report 3.2.7: the exercise's ``t`` is already incremented). It runs serially (``parallel=False``), as
the student's single ``@njit`` loop does, so the speed check compares the same work on one core.
"""

from __future__ import annotations

import numpy as np

from kernels.optim import adam_step


def adam_step_fused(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int,
                    lr: float, beta1: float, beta2: float, eps: float) -> None:
    """One Adam step in place on 1-D float64 arrays; ``t`` (>= 1) already incremented."""
    adam_step(
        w, g, {"m": m, "v": v, "t": int(t) - 1}, lr=lr, beta1=beta1, beta2=beta2, eps=eps, parallel=False
    )

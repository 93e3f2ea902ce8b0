"""A correct but slow NumPy Adam that records the arrays of the warm-up run of the speed check (one step
per ``t``) and replays them with one copy per step in the timed runs, which is faster than computing.
Every timed run has fresh inputs judged against the parent's own value, so the replay is caught."""
import numpy as np

_recorded = {}


def adam_step_fused(w, g, m, v, t, lr, beta1, beta2, eps):
    key = (w.size, t)
    if w.size > 10_000 and key in _recorded:
        w[:], m[:], v[:] = _recorded[key]
        return
    m[:] = beta1 * m + (1 - beta1) * g
    v[:] = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    w -= lr * m_hat / (np.sqrt(v_hat) + eps)
    if w.size > 10_000:
        _recorded[key] = (w.copy(), m.copy(), v.copy())

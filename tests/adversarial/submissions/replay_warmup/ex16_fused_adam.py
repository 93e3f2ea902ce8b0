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
    _numpy_adam(w, g, m, v, t, lr, beta1, beta2, eps)
    if w.size > 10_000:
        _recorded[key] = (w.copy(), m.copy(), v.copy())


def _numpy_adam(w, g, m, v, t, lr, beta1, beta2, eps):
    """Adam the NumPy way: right, but eight passes over the arrays (two temporaries, in place to stay
    within the memory limit)."""
    tmp = np.multiply(g, 1 - beta1)
    m *= beta1
    m += tmp
    np.multiply(g, g, out=tmp)
    tmp *= 1 - beta2
    v *= beta2
    v += tmp
    den = np.sqrt(v / (1 - beta2**t))
    den += eps
    np.divide(m, den, out=tmp)
    tmp *= lr / (1 - beta1**t)
    w -= tmp

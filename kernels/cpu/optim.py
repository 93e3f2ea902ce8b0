"""Fused, in-place optimizer steps (report 3.1, 3.2): one pass over 1-D contiguous buffers, no temporaries.

Each step is one loop written with ``prange`` and compiled twice by ``serial_and_parallel``: a serial kernel
(where ``prange`` is ``range``) and a ``prange`` kernel (suffix ``_parallel``) for large vectors, with
separate cache entries. The body of every step is the scalar rule of ``kernels.rules``; the driver
increments Adam's step counter and computes the bias corrections. Arguments: the arrays, then the scalars
(``kernels._optim_table`` gives their order).
"""

from __future__ import annotations

import numpy as np
from numba import prange, types
from numba.extending import overload

from kernels._jit import serial_and_parallel
from kernels.cpu import rules as r


def _sgd(w, g, lr):
    """Gradient descent / SGD (3.1, 3.2.2): ``w <- w - eta g``."""
    for i in prange(w.size):
        w[i] = r.sgd_rule(w[i], g[i], lr)


def _momentum(w, g, v, lr, beta):
    """Momentum (3.2.3): ``v <- beta v + (1 - beta) g``; ``w <- w - eta v``."""
    for i in prange(w.size):
        w[i], v[i] = r.momentum_rule(w[i], g[i], v[i], lr, beta)


def _nesterov_lookahead(w, v, out, lr, beta):
    """Nesterov look-ahead point (3.2.4): ``out = w - eta beta v``."""
    for i in prange(w.size):
        out[i] = r.nesterov_lookahead_rule(w[i], v[i], lr, beta)


def _nesterov(w, g_ahead, v, lr, beta):
    """Nesterov update (3.2.4) with the gradient taken at the look-ahead point:
    ``v <- beta v + (1 - beta) g_ahead``; ``w <- w - eta v``."""
    for i in prange(w.size):
        w[i], v[i] = r.nesterov_rule(w[i], g_ahead[i], v[i], lr, beta)


def _adagrad(w, g, G, lr, eps):
    """Adagrad (3.2.5): ``G <- G + g^2``; ``w <- w - eta g / sqrt(G + eps)``."""
    for i in prange(w.size):
        w[i], G[i] = r.adagrad_rule(w[i], g[i], G[i], lr, eps)


def _rmsprop(w, g, E, lr, beta, eps):
    """RMSprop (3.2.6): ``E <- beta E + (1 - beta) g^2``; ``w <- w - eta g / sqrt(E + eps)``."""
    for i in prange(w.size):
        w[i], E[i] = r.rmsprop_rule(w[i], g[i], E[i], lr, beta, eps)


def _adam(w, g, m, v, lr, beta1, beta2, eps, bc1, bc2):
    """Adam (3.2.7), bias corrections ``bc1 = 1 - beta1^t``, ``bc2 = 1 - beta2^t`` given:
    ``m <- beta1 m + (1 - beta1) g``; ``v <- beta2 v + (1 - beta2) g^2``;
    ``w <- w - eta (m / bc1) / (sqrt(v / bc2) + eps)``."""
    for i in prange(w.size):
        w[i], m[i], v[i] = r.adam_rule(w[i], g[i], m[i], v[i], lr, beta1, beta2, eps, bc1, bc2)


def _rounded_like(x, ref):
    """``x`` rounded to the float type of ``ref`` (inside Numba kernels only)."""
    raise TypeError("_rounded_like runs only inside Numba kernels")


@overload(_rounded_like, inline="always")
def _rounded_like_typed(x, ref):
    as_type = np.float32 if ref == types.float32 else np.float64
    return lambda x, ref: as_type(x)


def _adam_counted(w, g, m, v, lr, beta1, beta2, eps, t):
    """Adam (3.2.7) at step ``t`` (counted from 1): the bias corrections ``1 - beta^t`` computed as
    every driver does (``kernels.rules.adam_bias_correction`` in float64 from the betas in the parameters'
    dtype, then rounded to that dtype), then the loop of :func:`_adam`. The public step calls this: two
    ``pow`` and two roundings cost 0.6 us in Python and nothing here."""
    bc1 = _rounded_like(r.adam_bias_correction(np.float64(beta1), np.float64(t)), lr)
    bc2 = _rounded_like(r.adam_bias_correction(np.float64(beta2), np.float64(t)), lr)
    for i in prange(w.size):
        w[i], m[i], v[i] = r.adam_rule(w[i], g[i], m[i], v[i], lr, beta1, beta2, eps, bc1, bc2)


sgd, sgd_parallel = serial_and_parallel(_sgd)
momentum, momentum_parallel = serial_and_parallel(_momentum)
nesterov_lookahead, nesterov_lookahead_parallel = serial_and_parallel(_nesterov_lookahead)
nesterov, nesterov_parallel = serial_and_parallel(_nesterov)
adagrad, adagrad_parallel = serial_and_parallel(_adagrad)
rmsprop, rmsprop_parallel = serial_and_parallel(_rmsprop)
adam, adam_parallel = serial_and_parallel(_adam)
adam_counted, adam_counted_parallel = serial_and_parallel(_adam_counted)

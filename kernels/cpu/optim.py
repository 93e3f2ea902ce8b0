"""Fused, in-place optimizer steps (report 3.1, 3.2): one pass over 1-D contiguous buffers, no temporaries.

Each step has a serial kernel and a ``prange`` kernel (suffix ``_parallel``) for large vectors, written as
separate functions so that each has its own cache entry. The body of every step is the scalar rule of
``kernels.rules``; the driver increments Adam's step counter and computes the bias corrections.
"""

from __future__ import annotations

from numba import prange

from kernels._jit import kernel, parallel_kernel
from kernels.cpu import rules as r


@kernel
def sgd(w, g, lr):
    """Gradient descent / SGD (3.1, 3.2.2): ``w <- w - eta g``."""
    for i in range(w.size):
        w[i] = r.sgd_rule(w[i], g[i], lr)


@parallel_kernel
def sgd_parallel(w, g, lr):
    """``prange`` variant of :func:`sgd`."""
    for i in prange(w.size):
        w[i] = r.sgd_rule(w[i], g[i], lr)


@kernel
def momentum(w, g, v, lr, beta):
    """Momentum (3.2.3): ``v <- beta v + (1 - beta) g``; ``w <- w - eta v``."""
    for i in range(w.size):
        w[i], v[i] = r.momentum_rule(w[i], g[i], v[i], lr, beta)


@parallel_kernel
def momentum_parallel(w, g, v, lr, beta):
    """``prange`` variant of :func:`momentum`."""
    for i in prange(w.size):
        w[i], v[i] = r.momentum_rule(w[i], g[i], v[i], lr, beta)


@kernel
def nesterov_lookahead(w, v, lr, beta, out):
    """Nesterov look-ahead point (3.2.4): ``out = w - eta beta v``."""
    for i in range(w.size):
        out[i] = r.nesterov_lookahead_rule(w[i], v[i], lr, beta)


@parallel_kernel
def nesterov_lookahead_parallel(w, v, lr, beta, out):
    """``prange`` variant of :func:`nesterov_lookahead`."""
    for i in prange(w.size):
        out[i] = r.nesterov_lookahead_rule(w[i], v[i], lr, beta)


@kernel
def nesterov(w, g_ahead, v, lr, beta):
    """Nesterov update (3.2.4) with the gradient taken at the look-ahead point:
    ``v <- beta v + (1 - beta) g_ahead``; ``w <- w - eta v``."""
    for i in range(w.size):
        w[i], v[i] = r.nesterov_rule(w[i], g_ahead[i], v[i], lr, beta)


@parallel_kernel
def nesterov_parallel(w, g_ahead, v, lr, beta):
    """``prange`` variant of :func:`nesterov`."""
    for i in prange(w.size):
        w[i], v[i] = r.nesterov_rule(w[i], g_ahead[i], v[i], lr, beta)


@kernel
def adagrad(w, g, G, lr, eps):
    """Adagrad (3.2.5): ``G <- G + g^2``; ``w <- w - eta g / sqrt(G + eps)``."""
    for i in range(w.size):
        w[i], G[i] = r.adagrad_rule(w[i], g[i], G[i], lr, eps)


@parallel_kernel
def adagrad_parallel(w, g, G, lr, eps):
    """``prange`` variant of :func:`adagrad`."""
    for i in prange(w.size):
        w[i], G[i] = r.adagrad_rule(w[i], g[i], G[i], lr, eps)


@kernel
def rmsprop(w, g, E, lr, beta, eps):
    """RMSprop (3.2.6): ``E <- beta E + (1 - beta) g^2``; ``w <- w - eta g / sqrt(E + eps)``."""
    for i in range(w.size):
        w[i], E[i] = r.rmsprop_rule(w[i], g[i], E[i], lr, beta, eps)


@parallel_kernel
def rmsprop_parallel(w, g, E, lr, beta, eps):
    """``prange`` variant of :func:`rmsprop`."""
    for i in prange(w.size):
        w[i], E[i] = r.rmsprop_rule(w[i], g[i], E[i], lr, beta, eps)


@kernel
def adam(w, g, m, v, lr, beta1, beta2, eps, bc1, bc2):
    """Adam (3.2.7), bias corrections ``bc1 = 1 - beta1^t``, ``bc2 = 1 - beta2^t`` given:
    ``m <- beta1 m + (1 - beta1) g``; ``v <- beta2 v + (1 - beta2) g^2``;
    ``w <- w - eta (m / bc1) / (sqrt(v / bc2) + eps)``."""
    for i in range(w.size):
        w[i], m[i], v[i] = r.adam_rule(w[i], g[i], m[i], v[i], lr, beta1, beta2, eps, bc1, bc2)


@parallel_kernel
def adam_parallel(w, g, m, v, lr, beta1, beta2, eps, bc1, bc2):
    """``prange`` variant of :func:`adam`."""
    for i in prange(w.size):
        w[i], m[i], v[i] = r.adam_rule(w[i], g[i], m[i], v[i], lr, beta1, beta2, eps, bc1, bc2)

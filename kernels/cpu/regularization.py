"""Regularisation kernels (report 3.4): L2 penalty and gradient, inverted dropout with a given mask."""

from __future__ import annotations

import numpy as np

from kernels._jit import kernel
from kernels.cpu import rules as r


@kernel
def l2_penalty(w, lam):
    """``lambda sum_i w_i^2`` (3.4.1, eq. 3.5), accumulated in float64."""
    total = 0.0
    for i in range(w.size):
        total += r.l2_penalty_term(w[i], lam)
    return total


@kernel
def l2_grad(g, w, lam):
    """In place ``g <- g + 2 lambda w``, the gradient of the penalty added to the loss gradient."""
    for i in range(g.size):
        g[i] = r.l2_grad_rule(g[i], w[i], lam)


@kernel
def dropout_apply(h, mask, p, out):
    """Inverted dropout (3.4.2, eq. 3.6): ``out = h mask / p``; also its backward (same formula on
    ``dJ/dh_dropped``)."""
    for i in range(h.size):
        out[i] = r.dropout_rule(h[i], mask[i], p)


@kernel
def dropout_mask(mask, p, seed):
    """Fill ``mask`` with independent draws of ``1`` (probability ``p``) or ``0``, reproducibly from ``seed``
    (Numba's own generator, seeded here)."""
    np.random.seed(seed)
    for i in range(mask.size):
        mask[i] = 1.0 if np.random.random() < p else 0.0

"""Regularisation on the GPU (report 3.4): the L2 penalty and its gradient (3.4.1, eq. 3.5) and inverted
dropout (3.4.2, eq. 3.6) with keep probability ``p``.

The dropout mask is drawn on the device by Numba's xoroshiro128+ generator (one stream per thread, seeded),
then applied by the pure rule ``h keep / p``; the mask is an input of forward and backward, so CPU and GPU
results agree for the same mask even though their random streams differ.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import cuda
from numba.cuda.random import create_xoroshiro128p_states, xoroshiro128p_uniform_float32

from kernels import regularization as _front
from kernels.cuda import _arrays, config, device
from kernels.cuda.reduce import SHARED_DTYPE, block_sum_into

_term, _l2g, _drop = device.l2_penalty_term, device.l2_grad_rule, device.dropout_rule


@functools.cache
def _l2_penalty_kernel(tpb: int):
    @cuda.jit
    def kernel(w, lam, total):
        shared = cuda.shared.array(tpb, dtype=SHARED_DTYPE)
        acc = 0.0
        for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
            acc += _term(w[i], lam)
        block_sum_into(shared, acc, total)

    return kernel


@cuda.jit
def l2_grad_kernel(g, w, lam):
    for i in range(cuda.grid(1), g.size, cuda.gridsize(1)):
        g[i] = _l2g(g[i], w[i], lam)


@cuda.jit
def mask_kernel(states, p, mask):
    tid = cuda.grid(1)
    for i in range(tid, mask.size, cuda.gridsize(1)):
        mask[i] = 1.0 if xoroshiro128p_uniform_float32(states, tid) < p else 0.0


@cuda.jit
def dropout_kernel(h, mask, p, out):
    for i in range(cuda.grid(1), h.size, cuda.gridsize(1)):
        out[i] = _drop(h[i], mask[i], p)


def l2_penalty(w, lam: float):
    """``lambda sum w^2`` (eq. 3.5): a float for a NumPy ``w``, a 1-element float64 device array otherwise."""
    lam = _front.check_lam(lam)
    on_device = _arrays.is_device(w)
    wd = _arrays.to_device(w, "w")
    total = cuda.to_device(np.zeros(1, dtype=np.float64))
    l2_penalty_into(wd, lam, total)
    return total if on_device else float(total.copy_to_host()[0])


def l2_penalty_into(w_dev, lam: float, total) -> None:
    """Device-level: ``total[0] += lam sum w^2``."""
    tpb = config.THREADS_PER_BLOCK
    _l2_penalty_kernel(tpb)[config.blocks_for(w_dev.size), tpb](_arrays.flat(w_dev), float(lam), total)


def l2_grad(g, w, lam: float) -> None:
    """``g <- g + 2 lambda w`` in place."""
    lam = _front.check_lam(lam)
    gd, wd = _arrays.to_device(g, "g"), _arrays.to_device(w, "w")
    _arrays.same_shape(("g", gd), ("w", wd))
    l2_grad_kernel[config.blocks_for(gd.size), config.THREADS_PER_BLOCK](
        _arrays.flat(gd), _arrays.flat(wd), gd.dtype.type(lam)
    )
    _arrays.write_back(gd, g)


def _check_p(p: object) -> float:
    return _front.check_keep(p)


def dropout_mask(shape, p: float, seed: int, *, dtype=np.float32, device: bool = False):
    """Mask in {0, 1} of ``shape``, each entry 1 with probability ``p``, from xoroshiro128+ seeded ``seed``.

    Deterministic for a given ``(seed, THREADS_PER_BLOCK, MAX_BLOCKS)``; a NumPy array unless ``device``."""
    p = _check_p(p)
    seed = _front.check_seed(seed)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    mask = cuda.device_array(shape, dtype=dtype)
    n = int(np.prod(shape))
    blocks = config.blocks_for(n)
    states = create_xoroshiro128p_states(blocks * config.THREADS_PER_BLOCK, seed=seed)
    mask_kernel[blocks, config.THREADS_PER_BLOCK](states, np.float32(p), _arrays.flat(mask))
    return mask if device else mask.copy_to_host()


def _dropout(h, mask, p: float, out):
    p = _check_p(p)
    on_device = _arrays.is_device(h)
    hd, md = _arrays.to_device(h, "h"), _arrays.to_device(mask, "mask")
    if tuple(hd.shape) != tuple(md.shape):
        raise ValueError(f"mask {tuple(md.shape)} does not match h {tuple(hd.shape)}")
    od = _arrays.output(out, tuple(hd.shape), hd.dtype)
    dropout_kernel[config.blocks_for(hd.size), config.THREADS_PER_BLOCK](
        _arrays.flat(hd), _arrays.flat(md), hd.dtype.type(p), _arrays.flat(od)
    )
    return _arrays.finish(od, out, on_device)


def dropout_forward(h, mask, p: float, out=None):
    """Inverted dropout ``h mask / p`` (eq. 3.6)."""
    return _dropout(h, mask, p, out)


def dropout_backward(dh, mask, p: float, out=None):
    """Gradient through inverted dropout: ``dh mask / p`` (the same rule applied to the upstream gradient)."""
    return _dropout(dh, mask, p, out)


__all__ = ["dropout_backward", "dropout_forward", "dropout_mask", "l2_grad", "l2_penalty"]

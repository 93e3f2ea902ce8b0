"""Dense layer forward and backward on the GPU (report 2.3.1, 2.3.6) with a shared-memory tiled product.

Conventions of ``docs/ARCHITECTURE.md``: ``W`` is ``(n_out, n_in)``, data are ``(batch, features)``.

* forward: ``Z = A_prev @ W.T + b`` (bias added in the product's epilogue), ``A = f(Z)``;
* backward: ``dW = delta.T @ A_prev``, ``db = sum_rows delta``, ``dA_prev = delta @ W`` (the caller multiplies
  by ``f'(Z_prev)``).

Each ``TILE x TILE`` block computes one tile of ``C``: it walks the shared dimension a tile at a time,
every thread loading one element of each operand into shared memory, so each global element is read
``K / TILE`` times instead of ``K`` times. Transposes are compile-time flags of the same kernel body.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import cuda
from numba.cuda import float32, float64

from kernels import layers as _front
from kernels.cuda import _arrays, config
from kernels.cuda import activations as _acts
from kernels.rules import DEFAULT_ALPHA

_NUMBA_FLOAT = {np.dtype(np.float32): float32, np.dtype(np.float64): float64}


@functools.cache
def _gemm_kernel(tile: int, dtype: np.dtype, trans_a: bool, trans_b: bool, with_bias: bool):
    nb = _NUMBA_FLOAT[np.dtype(dtype)]

    @cuda.jit
    def kernel(A, B, bias, C):
        sa = cuda.shared.array((tile, tile), dtype=nb)
        sb = cuda.shared.array((tile, tile), dtype=nb)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        row = cuda.blockIdx.y * tile + ty
        col = cuda.blockIdx.x * tile + tx
        m = C.shape[0]
        n = C.shape[1]
        k_dim = A.shape[0] if trans_a else A.shape[1]
        acc = nb(0)
        for t0 in range(0, k_dim, tile):
            ka = t0 + tx
            if row < m and ka < k_dim:
                sa[ty, tx] = A[ka, row] if trans_a else A[row, ka]
            else:
                sa[ty, tx] = 0
            kb = t0 + ty
            if col < n and kb < k_dim:
                sb[ty, tx] = B[col, kb] if trans_b else B[kb, col]
            else:
                sb[ty, tx] = 0
            cuda.syncthreads()
            for k in range(tile):
                acc += sa[ty, k] * sb[k, tx]
            cuda.syncthreads()
        if row < m and col < n:
            if with_bias:
                acc += bias[col]
            C[row, col] = acc

    return kernel


def gemm(A, B, C, *, trans_a: bool = False, trans_b: bool = False, bias=None) -> None:
    """``C = op(A) @ op(B) (+ bias)`` on device arrays, ``op`` transposing when its flag is set."""
    m, k = (A.shape[1], A.shape[0]) if trans_a else tuple(A.shape)
    kb, n = (B.shape[1], B.shape[0]) if trans_b else tuple(B.shape)
    if k != kb or tuple(C.shape) != (m, n):
        raise ValueError(
            f"matrix shapes do not agree: op(A) {(m, k)} @ op(B) {(kb, n)} -> C {tuple(C.shape)}"
        )
    tile = config.TILE
    kernel = _gemm_kernel(tile, np.dtype(C.dtype), trans_a, trans_b, bias is not None)
    grid = ((n + tile - 1) // tile, (m + tile - 1) // tile)
    # Without a bias the kernel still needs a 1-D argument of the right type; the flag keeps it unread.
    kernel[grid, (tile, tile)](A, B, C[0] if bias is None else bias, C)


@cuda.jit
def column_sums(delta, out):
    """``out[j] = sum_i delta[i, j]``: one thread per column, consecutive threads on consecutive columns."""
    for j in range(cuda.grid(1), delta.shape[1], cuda.gridsize(1)):
        s = 0.0
        for i in range(delta.shape[0]):
            s += delta[i, j]
        out[j] = s


def apply_activation(activation: str, z_dev, a_dev, **hp) -> None:
    """``a = f(z)`` on device arrays; ``identity`` copies, ``softmax`` is row-wise."""
    if activation == "identity":
        a_dev.copy_to_device(z_dev)
    elif activation == "softmax":
        _acts.softmax_rows[config.blocks_for(z_dev.shape[0]), config.THREADS_PER_BLOCK](z_dev, a_dev)
    else:
        _acts.launch(_acts.FORWARD, activation, z_dev, a_dev, **hp)


def dense_forward(a_prev, W, b, activation: str = "identity", **hp):
    """``Z = A_prev @ W.T + b``, ``A = f(Z)`` (2.3.1); returns ``(A, Z)`` (device arrays for device input)."""
    unknown = set(hp) - {"alpha"}
    if unknown:
        raise TypeError(f"dense_forward takes no hyperparameter(s) {sorted(unknown)}")
    _, alpha = _front.activation_code(activation, hp.get("alpha"))
    hp = {"alpha": alpha} if activation in DEFAULT_ALPHA else {}
    on_device = _arrays.is_device(a_prev)
    ad, wd, bd = _arrays.to_device(a_prev, "a_prev"), _arrays.to_device(W, "W"), _arrays.to_device(b, "b")
    if ad.ndim != 2 or wd.ndim != 2 or bd.shape != (wd.shape[0],) or ad.shape[1] != wd.shape[1]:
        raise ValueError(
            f"dense_forward expects a_prev (batch, n_in), W (n_out, n_in), b (n_out,); got "
            f"{tuple(ad.shape)}, {tuple(wd.shape)}, {tuple(bd.shape)}"
        )
    if ad.dtype != wd.dtype or bd.dtype != wd.dtype:
        raise ValueError(f"a_prev, W, b must share one dtype, got {ad.dtype}, {wd.dtype}, {bd.dtype}")
    zd = cuda.device_array((ad.shape[0], wd.shape[0]), dtype=wd.dtype)
    gemm(ad, wd, zd, trans_b=True, bias=bd)
    a_out = zd if activation == "identity" else cuda.device_array_like(zd)
    if activation != "identity":
        apply_activation(activation, zd, a_out, **hp)
    if on_device:
        return a_out, zd
    return a_out.copy_to_host(), zd.copy_to_host()


def dense_backward(delta, a_prev, W):
    """``dW = delta.T @ A_prev``, ``db = delta.sum(0)``, ``dA_prev = delta @ W`` (2.3.6)."""
    on_device = _arrays.is_device(delta)
    dd, ad, wd = (
        _arrays.to_device(delta, "delta"),
        _arrays.to_device(a_prev, "a_prev"),
        _arrays.to_device(W, "W"),
    )
    if dd.shape != (ad.shape[0], wd.shape[0]) or ad.shape[1] != wd.shape[1]:
        raise ValueError(
            f"dense_backward expects delta (batch, n_out), a_prev (batch, n_in), W (n_out, n_in); got "
            f"{tuple(dd.shape)}, {tuple(ad.shape)}, {tuple(wd.shape)}"
        )
    dW = cuda.device_array(tuple(wd.shape), dtype=wd.dtype)
    db = cuda.device_array((wd.shape[0],), dtype=wd.dtype)
    dA = cuda.device_array(tuple(ad.shape), dtype=wd.dtype)
    gemm(dd, ad, dW, trans_a=True)
    column_sums[config.blocks_for(wd.shape[0]), config.THREADS_PER_BLOCK](dd, db)
    gemm(dd, wd, dA)
    if on_device:
        return dW, db, dA
    return dW.copy_to_host(), db.copy_to_host(), dA.copy_to_host()


__all__ = ["dense_backward", "dense_forward"]

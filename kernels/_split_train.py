"""The CPU training call with the minibatch split across threads above a size threshold (issue 17 item 4).

``kernels.cpu.mlp.split_blocks`` decides from the shapes whether a minibatch's gradient is taken in row
blocks, one ``prange`` iteration each (``kernels.cpu.mlp.loss_and_grad_blocks``). Each block's matrix
products call OpenBLAS through Numba's ``np.dot``; OpenBLAS called from two threads at once while itself
allowed two threads oversubscribes the cores (measured on the 2-core benchmark machine: a 64-256-256-10
gradient at batch 128 took 46-77 ms instead of 0.4 ms), so while the blocks run, the BLAS libraries are
limited to one thread (``threadpoolctl``, a dependency of scikit-learn) and restored afterwards. Where the
BLAS libraries cannot be found or limited, the training stays on the one-thread path.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numba
import numpy as np

from kernels.cpu import mlp as _cpu_mlp
from kernels.cpu import train as _cpu


@functools.cache
def _blas_controllers() -> tuple[object, ...] | None:
    """The loaded BLAS libraries' controllers (built once; ``None`` when threadpoolctl is missing)."""
    try:
        import scipy.linalg.cython_blas  # noqa: F401  (the BLAS Numba's np.dot calls: load it first)
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    libs = tuple(c for c in ThreadpoolController().lib_controllers if c.user_api == "blas")
    return libs or None


@contextmanager
def one_thread_blas(libs: tuple[object, ...]) -> Iterator[None]:
    """Limit each BLAS library of ``libs`` to one thread inside the block (about 1 us per library)."""
    saved = [lib.num_threads for lib in libs]
    for lib in libs:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(libs, saved, strict=True):
            lib.set_num_threads(n)


def blocks_for(sizes: np.ndarray, batch_size: int, threads: int) -> int:
    """Row blocks of each minibatch: ``kernels.cpu.mlp.split_blocks`` of the batch and the widest layer, at
    most ``threads`` (the Numba thread count), and 1 where the BLAS libraries cannot be limited to one
    thread. With one thread the split only costs: 64-256-256-10 at batch 128 trained at 0.80-0.87x the
    one-block speed in 2 blocks on one thread (smaller GEMMs, the reduction), so one thread keeps the
    one-thread code and its results bit for bit; with more threads the weights differ from those by the
    rounding of the summation order (``tests/kernels/test_kernels_split_batch.py``)."""
    blocks = min(_cpu_mlp.split_blocks(int(batch_size), int(sizes[1:].max())), int(threads))
    if blocks > 1 and _blas_controllers() is None:
        return 1
    return max(1, blocks)


_WORKSPACES: dict[int, tuple[tuple, tuple[np.ndarray, ...]]] = {}
"""The block buffers of the last split run of each thread (by ``threading.get_ident()``), reused while the
shapes stay: fresh buffers page-fault in again at every call, which cost about 1 ms per call (one epoch of
64-256-256-10 at batch 128 on 2 threads trained at 220-234k samples/s with fresh buffers and 269-286k
with glibc keeping its memory). Held: about 1.3 MB for that net."""


def block_buffers(
    params: np.ndarray, sizes: np.ndarray, batch_size: int, blocks: int
) -> tuple[np.ndarray, ...]:
    """``(gblk, zblk, ablk, w1blk, w2blk)`` of ``kernels.cpu.train.train_history`` for ``blocks`` row blocks
    (empty, one-thread path, when ``blocks <= 1``); kept per thread and reused for the same shapes."""
    if blocks <= 1:
        g = np.empty((0, params.size), dtype=params.dtype)
        w = np.empty((0, 0), dtype=params.dtype)
        return g, w, w, w, w
    rows = -(-int(batch_size) // blocks)
    total, width = int(sizes[1:].sum()), int(sizes[1:].max())
    key = (params.dtype, params.size, blocks, rows * total, rows * width)
    ident = threading.get_ident()
    held = _WORKSPACES.get(ident)
    if held is None or held[0] != key:
        if len(_WORKSPACES) >= 8:  # threads come and go: never hold more than 8 workspaces
            _WORKSPACES.clear()
        bufs = (
            np.empty((blocks, params.size), dtype=params.dtype),
            np.empty((blocks, rows * total), dtype=params.dtype),
            np.empty((blocks, rows * total), dtype=params.dtype),
            np.empty((blocks, rows * width), dtype=params.dtype),
            np.empty((blocks, rows * width), dtype=params.dtype),
        )
        held = _WORKSPACES[ident] = (key, bufs)
    return held[1]


def train_history(
    params,
    sizes,
    codes,
    alphas,
    X,
    Y,
    Xv,
    Yv,
    loss_code,
    eps_loss,
    opt_code,
    lr,
    beta1,
    beta2,
    eps,
    l2,
    epochs,
    batch_size,
    seed,
    keep,
    patience,
    evaluate_each,
    losses_out,
    stats,
) -> tuple[int, int]:
    """``kernels.cpu.train.train_history`` (same arguments) with the row blocks of :func:`blocks_for`; the
    BLAS libraries run on one thread while a split run trains."""
    blocks = blocks_for(sizes, batch_size, numba.get_num_threads()) if keep >= 1.0 else 1
    args = (params, sizes, codes, alphas, X, Y, Xv, Yv, loss_code, eps_loss, opt_code, lr, beta1, beta2, eps)
    rest = (l2, epochs, batch_size, seed, keep, patience, evaluate_each, losses_out, stats)
    rest += block_buffers(params, sizes, batch_size, blocks)
    if blocks > 1:
        with one_thread_blas(_blas_controllers()):
            return _cpu.train_history(*args, *rest)
    return _cpu.train_history(*args, *rest)

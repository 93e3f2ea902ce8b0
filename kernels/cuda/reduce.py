"""Block-level sum shared by the kernels that reduce (losses, L2 penalty): each thread brings its partial
sum, the block adds them in shared memory (a tree of ``log2(THREADS_PER_BLOCK)`` steps) and thread 0 adds
the block's total to ``total[0]`` atomically. Kernels that use it are built per ``THREADS_PER_BLOCK``
(the shared array's size is a compile-time constant) and cached."""

from __future__ import annotations

from numba import cuda
from numba.cuda import float64


@cuda.jit(device=True)
def block_sum_into(shared, acc, total):
    """Add ``sum over the block of acc`` to ``total[0]``; every thread of the block must call it."""
    tid = cuda.threadIdx.x
    shared[tid] = acc
    cuda.syncthreads()
    s = cuda.blockDim.x // 2
    while s > 0:
        if tid < s:
            shared[tid] += shared[tid + s]
        cuda.syncthreads()
        s //= 2
    if tid == 0:
        cuda.atomic.add(total, 0, shared[0])


SHARED_DTYPE = float64

"""Reference kernels that measure what the device's memory allows, for ``benchmarks/gpu_bench.py``: a
copy (read n, write n: the bandwidth roof a kernel can reach) and a kernel that moves exactly the bytes of
a fused Adam step (read w, g, m, v; write w, m, v) with trivial arithmetic (its floor)."""

from __future__ import annotations

from numba import cuda


@cuda.jit
def copy_kernel(src, dst):
    for i in range(cuda.grid(1), src.size, cuda.gridsize(1)):
        dst[i] = src[i]


@cuda.jit
def adam_traffic_kernel(w, g, m, v):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        gi = g[i]
        m[i] = m[i] + gi
        v[i] = v[i] + gi * gi
        w[i] = w[i] - gi

"""Launch constants of the CUDA kernels, read at call time so that tests can shrink them.

Tests patch ``THREADS_PER_BLOCK``, ``MAX_BLOCKS`` and ``TILE`` down (``monkeypatch.setattr``) so that a few
thousand elements still run several blocks and several turns of every grid-stride loop.
"""

from __future__ import annotations

THREADS_PER_BLOCK: int = 256
"""Threads per block of the 1-D (element-wise, reduction) kernels; a power of two."""

MAX_BLOCKS: int = 4096
"""Upper bound on the blocks of a grid-stride launch; beyond it each thread loops over several elements."""

TILE: int = 16
"""Side of the square shared-memory tile of the matrix products (``TILE * TILE`` threads per block)."""


def blocks_for(n: int) -> int:
    """Blocks of a 1-D grid-stride launch over ``n`` elements:
    ``min(ceil(n / THREADS_PER_BLOCK), MAX_BLOCKS)``."""
    return max(1, min((n + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK, MAX_BLOCKS))

"""Shared set-up of the CUDA tests.

The kernels are checked by the ``check_*.py`` modules, which ``test_cuda_simulator.py`` runs in a child
pytest with ``NUMBA_ENABLE_CUDASIM=1`` (and ``test_cuda_gpu.py`` on a real GPU, without it); see
``cuda_harness.py`` for why a child process. Nothing here imports ``numba.cuda`` at module level.
"""

from __future__ import annotations

import pytest
from cuda_harness import SMALL_LAUNCH


@pytest.fixture
def small_launch(monkeypatch):
    """Shrink the launch constants of ``kernels.cuda.config`` so small inputs cover several blocks."""
    from kernels.cuda import config

    for name, value in SMALL_LAUNCH.items():
        monkeypatch.setattr(config, name, value)
    return config

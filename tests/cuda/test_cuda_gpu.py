"""The CUDA checks on a real GPU (no simulator): marked ``gpu`` and skipped where no device answers."""

from __future__ import annotations

import pytest
from cuda_harness import HERE, real_gpu_present, run_checks

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not real_gpu_present(), reason="needs a CUDA GPU and driver (none found)"),
]


def test_cuda_kernels_on_real_gpu():
    run = run_checks(sorted(HERE.glob("check_*.py")), simulate=False)
    assert run.returncode == 0, run.output[-8000:]
    assert " passed" in run.output and " skipped" not in run.output.strip().splitlines()[-1], run.output[
        -8000:
    ]

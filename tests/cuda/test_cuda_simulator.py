"""Runs every CUDA check module under Numba's CUDA simulator, one child pytest per module (see
``cuda_harness``: the simulator must be chosen before ``numba.cuda`` is imported, which only a fresh process
guarantees), and the compile check without the simulator.

Each run must pass with no failure and no skip, so a missing simulator or an import error cannot pass
silently."""

from __future__ import annotations

import re

import pytest
from cuda_harness import HERE, NUMBA_CUDA_MISSING, run_checks, run_child

needs_numba_cuda = pytest.mark.skipif(
    NUMBA_CUDA_MISSING, reason="numba-cuda (the cuda extra) is not installed"
)
NOT_SIMULATED = {"check_gpu.py", "check_compile.py"}
CHECKS = sorted(p.name for p in HERE.glob("check_*.py") if p.name not in NOT_SIMULATED)


def test_every_check_module_is_listed():
    assert {
        "check_dispatch.py",
        "check_activations.py",
        "check_bad_input.py",
        "check_layers.py",
        "check_losses.py",
        "check_optim.py",
        "check_regularization.py",
        "check_train.py",
        "check_train_history.py",
    } <= set(CHECKS)


@needs_numba_cuda
@pytest.mark.parametrize("check", CHECKS)
def test_cuda_kernels_in_simulator(check):
    run = run_checks([HERE / check], simulate=True)
    assert run.returncode == 0, run.output[-6000:]
    summary = run.output.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary), summary
    assert not re.search(r"failed|error|skipped", summary), run.output[-6000:]


@needs_numba_cuda
def test_kernels_type_and_lower_for_the_real_cuda_target():
    """check_compile.py runs the real CUDA compiler's typing and lowering on every kernel (no GPU needed)."""
    run = run_checks([HERE / "check_compile.py"], simulate=False)
    assert run.returncode == 0, run.output[-6000:]
    assert re.search(r"\b2 passed", run.output.strip().splitlines()[-1]), run.output[-6000:]


def test_unavailable_cuda_gives_a_clear_error():
    """Without the simulator and without a GPU, every public name raises ``CudaUnavailableError``."""
    code = (
        "import numpy as np, kernels.cuda as kc\n"
        "if kc.available: print('GPU'); raise SystemExit(0)\n"
        "try:\n    kc.adam_step(np.zeros(2), np.zeros(2), {}, lr=0.1, beta1=0.9, beta2=0.9, eps=1e-8)\n"
        "except kc.CudaUnavailableError as exc:\n    print('ERR', exc)\n"
    )
    run = run_child(["-c", code], simulate=False)
    assert run.returncode == 0, run.output
    if run.output.startswith("GPU"):
        pytest.skip("a CUDA GPU is present: the unavailable path cannot be exercised")
    assert run.output.startswith("ERR kernels.cuda.adam_step: CUDA target unavailable:"), run.output
    hint = "numba-cuda is not installed" if NUMBA_CUDA_MISSING else "NUMBA_ENABLE_CUDASIM=1"
    assert hint in run.output, run.output

"""Child-process runs of the CUDA checks and a GPU probe (no ``numba.cuda`` import in this process).

Numba reads ``NUMBA_ENABLE_CUDASIM`` once, when ``numba.cuda`` is first imported, and the main test process
may import ``numba.cuda`` before ``tests/cuda`` is collected (or must not see the simulator afterwards:
other tests expect the real driver's answer), so the simulator only ever runs in a process of its own.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

NUMBA_CUDA_MISSING = importlib.util.find_spec("numba_cuda") is None
"""True without the ``cuda`` extra: the kernel checks skip; the unavailable-target error is still tested."""

SMALL_LAUNCH = {"THREADS_PER_BLOCK": 8, "MAX_BLOCKS": 3, "TILE": 4}
"""Launch sizes of the checks: 101 elements take 3 blocks of 8 threads, each thread looping 4-5 times."""


def real_gpu_present() -> bool:
    """True when the CUDA driver loads and reports at least one device (probed with ctypes, so that
    ``numba.cuda`` is not imported into this process)."""
    for name in ("libcuda.so.1", "libcuda.so", "nvcuda.dll"):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        count = ctypes.c_int(0)
        return lib.cuInit(0) == 0 and lib.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
    return False


@dataclass
class ChildRun:
    returncode: int
    output: str


def run_child(args: list[str], *, simulate: bool, timeout: float = 300) -> ChildRun:
    """Run ``python <args>`` from the repository root with the simulator switched on or off."""
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    if simulate:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    return ChildRun(proc.returncode, proc.stdout + proc.stderr)


def run_checks(paths: list[Path], *, simulate: bool) -> ChildRun:
    """Run check modules in a child pytest (no xdist, no cache, the project's ``addopts`` ignored so that
    a ``-n`` there cannot reach a child without xdist)."""
    return run_child(
        [
            "-m",
            "pytest",
            "-q",
            "-rfEs",
            "-o",
            "addopts=",
            "--strict-markers",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            *map(str, paths),
        ],
        simulate=simulate,
    )

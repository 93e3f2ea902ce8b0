"""The compilation machinery of ``kernels/_jit.py`` and ``kernels/_numba_private.py``: float32 rules stay
float32; Numba's on-disk cache sees an edited rule (a miss, the new result) and still serves an unchanged
one (a hit); serial and ``prange`` kernels of one loop never share an entry; outside the verified Numba
versions, or without the private API, the kernels run uncached after one warning."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from numba import njit, types

from kernels import _jit, _numba_private
from kernels.cpu import rules as r

PACKAGE = Path(_jit.__file__).resolve().parent


@njit
def _momentum(w, g, v, lr, beta):
    return r.momentum_rule(w, g, v, lr, beta)


@njit
def _sigmoid_grad(z):
    return r.sigmoid_grad(z)


def test_float32_rules_compute_in_float32_and_float64_rules_in_float64():
    f32 = np.float32
    _momentum(f32(1), f32(0.5), f32(0), f32(0.1), f32(0.9))
    _momentum(1.0, 0.5, 0.0, 0.1, 0.9)
    _sigmoid_grad(f32(0.3))
    _sigmoid_grad(0.3)
    returns = {sig.args[0]: sig.return_type for sig in _momentum.nopython_signatures}
    assert returns[types.float32] == types.UniTuple(types.float32, 2)
    assert returns[types.float64] == types.UniTuple(types.float64, 2)
    returns = {sig.args[0]: sig.return_type for sig in _sigmoid_grad.nopython_signatures}
    assert returns == {types.float32: types.float32, types.float64: types.float64}


def test_the_version_fence():
    assert _numba_private.unsupported_reason(numba.__version__) is None, "the installed Numba is verified"
    assert _numba_private.REASON is None
    for outside in ("0.59.1", "0.70.0", "1.2.0"):
        assert "outside the versions" in _numba_private.unsupported_reason(outside)
    assert _numba_private.unsupported_reason("0.69.0rc1") is None


_CHILD = """
import json, numpy as np, kernels
from kernels.cpu import losses, optim
y, t = np.array([[1.0, 2.0]]), np.zeros((1, 2))
J = losses.quadratic(y, t, np.empty_like(y))
w, w2, g = np.ones(4), np.ones(4), np.ones(4)
optim.sgd(w, g, 0.5)
optim.sgd_parallel(w2, g, 0.5)
def stats(d):
    return [sum(d.stats.cache_hits.values()), sum(d.stats.cache_misses.values())]
print(json.dumps({"file": kernels.__file__, "J": J, "w": [w[0], w2[0]], "quadratic": stats(losses.quadratic),
                  "sgd": stats(optim.sgd), "sgd_parallel": stats(optim.sgd_parallel)}))
"""


def _run_copy(root: Path, prelude: str = "") -> dict:
    """Run ``_CHILD`` in a fresh interpreter that imports the copy of ``kernels`` under ``root`` and keeps
    its Numba cache in ``root / "cache"``; returns what it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(root / "cache"))
    command = [sys.executable, "-c", prelude + _CHILD]
    proc = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(out["file"]).resolve() == root / "kernels" / "__init__.py", out["file"]
    out["stderr"] = proc.stderr
    return out


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    shutil.copytree(PACKAGE, tmp_path / "kernels", ignore=shutil.ignore_patterns("__pycache__", "cuda"))
    return tmp_path.resolve()


def test_an_edited_rule_is_recompiled_and_an_unchanged_one_is_loaded(package_copy):
    first = _run_copy(package_copy)
    assert first["J"] == 2.5  # 1/2 (1^2 + 2^2)
    assert first["quadratic"] == [0, 1]
    assert first["sgd"] == [0, 1]
    assert first["sgd_parallel"] == [0, 1], "the prange kernel loaded the serial kernel's cache entry"
    assert first["w"] == [0.5, 0.5]

    again = _run_copy(package_copy)
    assert again["J"] == 2.5
    assert again["quadratic"] == again["sgd"] == again["sgd_parallel"] == [1, 0], "unchanged: a cache hit"

    rules = package_copy / "kernels" / "rules.py"
    source = rules.read_text()
    assert source.count("return 0.5 * d * d") == 1
    rules.write_text(source.replace("return 0.5 * d * d", "return 0.25 * d * d"))
    edited = _run_copy(package_copy)
    assert edited["quadratic"] == [0, 1], "the stale entry of the old rule was loaded"
    assert edited["J"] == 1.25


def test_without_the_private_api_kernels_run_uncached_after_one_warning(package_copy):
    prelude = (
        "import warnings; warnings.simplefilter('always')\n"
        "import numba.core.caching as caching\n"
        "del caching.Cache._index_key\n"
    )
    out = _run_copy(package_copy, prelude)
    assert out["stderr"].count("RuntimeWarning") == 1, out["stderr"]
    assert "on-disk caching is off" in out["stderr"] and "_index_key" in out["stderr"]
    assert out["J"] == 2.5 and out["w"] == [0.5, 0.5]
    assert out["quadratic"] == out["sgd"] == [0, 1]
    assert not list(package_copy.rglob("*.nbi")), "a kernel was cached on disk"


_SAVER = """
import sys
import numpy as np
from kernels._numba_private import lock_path
from kernels.cpu import optim
print(lock_path(optim.sgd._cache), flush=True)
sys.stdin.readline()
w = np.ones(4)
optim.sgd(w, np.ones(4), 0.5)
print(w[0], flush=True)
"""


def test_a_cache_entry_is_saved_only_under_the_index_lock(package_copy):
    """Two processes saving entries of one kernel at once could pair one signature's index entry with
    another's machine code (numba issue 4807; seen here as a crash that lasted until the cache was
    deleted): loads and saves wait for the ``flock`` beside the index that another process holds."""
    import fcntl
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(PYTHONPATH=str(package_copy), NUMBA_CACHE_DIR=str(package_copy / "cache"))
    child = subprocess.Popen([sys.executable, "-c", _SAVER], cwd=package_copy, env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lock = Path(child.stdout.readline().strip())
        assert lock.name.endswith(".nbi.lock") and "sgd" in lock.name, lock
        lock.parent.mkdir(parents=True, exist_ok=True)
        with lock.open("a") as held:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            child.stdin.write("go\n")
            child.stdin.flush()
            deadline = time.monotonic() + 8  # without the lock, sgd compiles and saves in about 1 s
            while time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.2)
            assert child.poll() is None, child.stderr.read()[-3000:]
            assert not list(lock.parent.glob("*sgd*.nbc")), "saved while another process held the lock"
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err[-3000:]
    assert out.strip().splitlines()[-1] == "0.5"
    assert list(lock.parent.glob("*sgd*.nbc")), "not saved once the lock was free"


_TRAINER = """
import json
import numpy as np
from kernels.cpu import train as cpu
from kernels.cpu.activations import CODES
from kernels.cpu.losses import CODES as LOSSES
rng = np.random.default_rng(0)
X = rng.standard_normal((13, 5)); Y = np.eye(3)[rng.integers(0, 3, 13)]
params = rng.standard_normal(5 * 6 + 6 + 6 * 3 + 3)
losses = np.zeros(2)
cpu.train(params, np.array((5, 6, 3)), np.array([CODES["tanh"], CODES["identity"]]), np.zeros(2), X, Y,
          LOSSES["softmax_cross_entropy"], 1e-7, cpu.CODES["adam"], 0.05, 0.9, 0.999, 1e-8, 0.0, 2, 5, 3,
          losses)
print(json.dumps({"losses": list(losses), "hits": sum(cpu.train_history.stats.cache_hits.values())}))
"""


def _train_in_copy(root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(root / "cache"))
    proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", _TRAINER], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-1500:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_trainer_compiled_beside_a_cached_parallel_callee_loads_in_a_later_process(package_copy):
    """``train_history`` compiled in a process that loaded its ``prange`` callee from the disk cache saved an
    entry that crashed (SIGSEGV) in every later process: the callee is never cached, so it cannot be."""
    first = _train_in_copy(package_copy)  # compiles and caches everything
    for entry in (package_copy / "cache").rglob("train.train_history-*"):
        entry.unlink()
    again = _train_in_copy(package_copy)  # compiles train_history, loads its callees
    assert again["hits"] == 0
    loaded = _train_in_copy(package_copy)  # loads train_history: crashed here with a cached callee
    assert loaded["hits"] == 1
    assert first["losses"] == again["losses"] == loaded["losses"]

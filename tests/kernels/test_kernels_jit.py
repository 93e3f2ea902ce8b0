"""The compilation machinery of ``kernels/_jit.py``: float32 rules stay float32, caches see callee edits."""

from __future__ import annotations

import shutil

import numpy as np
from numba import njit, types

from kernels import _jit
from kernels.cpu import activations, layers, losses, mlp, optim, regularization, train
from kernels.cpu import rules as r


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


def test_every_kernel_uses_the_source_aware_cache():
    modules = (activations, layers, losses, mlp, optim, regularization, train)
    kernels = [obj for m in modules for obj in vars(m).values() if hasattr(obj, "py_func")]
    assert len(kernels) > 30
    assert all(isinstance(k._cache, _jit._PackageCache) for k in kernels)


def test_the_cache_key_changes_when_a_rule_changes(tmp_path, monkeypatch):
    package = tmp_path / "kernels"
    shutil.copytree(_jit._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__", "cuda"))
    monkeypatch.setattr(_jit, "_PACKAGE", package)
    before = _jit._sources_hash()
    assert before == _jit._SOURCES_HASH
    rules = package / "rules.py"
    rules.write_text(rules.read_text().replace("return 0.5 * d * d", "return 0.25 * d * d"))
    assert _jit._sources_hash() != before

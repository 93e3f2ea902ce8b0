"""What a sandbox child may read: the allow-list of ``grader/sandbox/overlay.py`` (the interpreter, the
standard library entry by entry, system folders, NumPy, Numba and llvmlite) is enough for NumPy and
compiled ``@njit`` code, and nothing else of the installation or the project is readable or importable, in
process mode (Landlock) and under bubblewrap."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import Limits, Sandbox, bwrap, overlay

REPO = Path(__file__).resolve().parents[2]
NO_BWRAP = bwrap.probe()
MODES = ["process", pytest.param("bwrap", marks=pytest.mark.skipif(bool(NO_BWRAP), reason=NO_BWRAP))]
LIMITS = Limits(memory_mb=1536, startup_s=60.0)

HONEST = '''
import importlib
import math

import numpy as np
from numba import njit, prange


@njit(cache=True)
def total(x):
    s = 0.0
    for i in range(x.size):
        s += math.tanh(x[i])
    return s


@njit(parallel=True)
def doubled(x):
    out = np.empty_like(x)
    for i in prange(x.size):
        out[i] = 2.0 * x[i]
    return out


def run():
    x = np.linspace(-1.0, 1.0, 101)
    importlib.invalidate_caches()  # the standard library must stay importable afterwards
    import decimal, fractions, statistics
    return [total(x), float(doubled(x).sum()), float(np.linalg.solve(2.0 * np.eye(3), np.ones(3)).sum()),
            float(statistics.fmean([1.0, 2.0]))]
'''

SPY = '''
import glob
import importlib
import os
import sys


def imports(names):
    out = {}
    for name in names:
        try:
            importlib.import_module(name)
            out[name] = "imported"
        except ImportError as err:
            out[name] = type(err).__name__
    return out


def reads(paths):
    out = {}
    for path in paths:
        try:
            with open(path, "rb") as fh:
                fh.read(1)
            out[path] = "read"
        except OSError as err:
            out[path] = err.strerror
    return out


def overlay_targets():
    return sorted({os.path.dirname(os.path.realpath(p)) for entry in sys.path
                   for p in glob.glob(os.path.join(entry, "*")) if os.path.islink(p)})
'''


def _box(tmp_path: Path, mode: str, **modules: str) -> Sandbox:
    folder = tmp_path / "sub"
    folder.mkdir()
    for name, code in modules.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(code))
    return Sandbox(folder, limits=LIMITS, launcher=bwrap.launcher() if mode == "bwrap" else None)


def _site_file(name: str) -> str:
    """A file of an installed package that the child must not read."""
    module = __import__(name)
    return str(Path(module.__file__).resolve())


def test_the_allow_list_holds_only_numpy_numba_llvmlite_and_never_the_project() -> None:
    link_dir, readable = overlay.shared_overlay()
    sites = overlay.site_dirs()
    packages = {p.name for p in link_dir.iterdir() if p.is_symlink() and p.resolve().parent in sites}
    assert {"numpy", "numba", "llvmlite"} <= packages <= set(overlay.ALLOWED)
    stdlib = overlay.stdlib_dir()
    assert sys.base_prefix not in readable and str(stdlib) not in readable
    assert str(stdlib / "os.py") in readable and str(stdlib / "lib-dynload") in readable
    hidden = overlay.hidden_paths()
    assert {REPO, REPO / "solutions", REPO / "kernels", *sites} <= set(hidden)
    for path in map(Path, readable):
        if path.parent in sites:
            assert path.name in overlay.ALLOWED, path
        else:
            assert not any(path == h or h in path.parents or path in h.parents for h in hidden), path


def test_allowed_beneath_splits_a_root_around_a_hidden_folder(tmp_path: Path) -> None:
    for rel in ("usr/bin/x", "usr/local/lib/python3.11/os.py", "usr/local/lib/python3.11/site-packages/s.py",
                "usr/local/lib/libpython3.11.so", "usr/share/doc"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).touch()
    (tmp_path / "lib").symlink_to("usr/local/lib")
    hidden = [tmp_path / "usr/local/lib/python3.11/site-packages"]
    got = overlay.allowed_beneath([str(tmp_path / "usr"), str(tmp_path / "lib")], hidden)
    assert got == [str(tmp_path / p) for p in ("usr/bin", "usr/local/lib/libpython3.11.so",
                                               "usr/local/lib/python3.11/os.py", "usr/share")]


@pytest.mark.parametrize("mode", MODES)
def test_numpy_and_numba_run_under_the_allow_list(tmp_path: Path, mode: str) -> None:
    with _box(tmp_path, mode, honest=HONEST) as box:
        reply = box.call("honest", "run", {}, timeout_s=120)
    assert reply.ok, reply
    x = np.linspace(-1.0, 1.0, 101)
    assert reply.value == pytest.approx([np.tanh(x).sum(), 0.0, 1.5, 1.5], abs=1e-9)
    assert box.landlock_abi, "Landlock is part of what this test checks"


@pytest.mark.parametrize("mode", MODES)
def test_project_and_other_packages_are_neither_importable_nor_readable(tmp_path: Path, mode: str) -> None:
    site = overlay.site_dirs()[0]
    secrets = [str(REPO / "solutions" / "ex02_sigmoid.py"), str(REPO / "kernels" / "optim.py"),
               str(REPO / "grader" / "reference" / "ex16_fused_adam.py"), _site_file("pytest"),
               _site_file("sklearn"), *(str(p) for p in site.glob("deepgrade-*/RECORD")),
               *(str(p) for p in site.glob("__editable__*"))]
    names = ["kernels", "grader", "solutions", "exercises", "torch", "sklearn", "pytest", "pandas", "numpy"]
    with _box(tmp_path, mode, spy=SPY) as box:
        imported = box.call("spy", "imports", {"names": names}, 60)
        read = box.call("spy", "reads", {"paths": secrets}, 60)
        targets = box.call("spy", "overlay_targets", {}, 60)
    assert imported.ok and read.ok and targets.ok, (imported, read, targets)
    assert imported.value.pop("numpy") == "imported"
    assert set(imported.value.values()) == {"ModuleNotFoundError"}, imported.value
    assert "read" not in read.value.values(), read.value
    assert all(Path(t) in overlay.site_dirs() or Path(t) == overlay.stdlib_dir() for t in targets.value)


@pytest.mark.parametrize("mode", MODES)
def test_a_submission_delegating_to_kernels_fails_its_import(tmp_path: Path, mode: str) -> None:
    code = "from kernels.optim import adam_step\n\ndef adam_step_fused(w, g, m, v, t, lr, b1, b2, eps):\n" \
           "    adam_step(w, g, {'m': m, 'v': v, 't': t - 1}, lr=lr, beta1=b1, beta2=b2, eps=eps)\n"
    with _box(tmp_path, mode, ex16_fused_adam=code) as box:
        reply = box.call("ex16_fused_adam", "adam_step_fused", {
            "w": np.ones(3), "g": np.ones(3), "m": np.zeros(3), "v": np.zeros(3), "t": 1, "lr": 0.1,
            "b1": 0.9, "b2": 0.999, "eps": 1e-8}, 60)
    assert reply.status == "forbidden_import" and "import kernels" in reply.error, reply


LAZY = """
def sigmoid(z):
    from grader.reference import ex16_fused_adam  # noqa: F401
    return z


def sigmoid_grad(z):
    import torch
    return torch.sigmoid(torch.as_tensor(z)).numpy()


def uses_numpy_and_math(z):
    import math

    import numpy
    return float(numpy.float64(math.tanh(z)))
"""


@pytest.mark.parametrize("mode", MODES)
def test_imports_of_the_course_or_a_deep_learning_library_are_forbidden_even_inside_a_function(
    tmp_path: Path, mode: str
) -> None:
    with _box(tmp_path, mode, ex02_sigmoid=LAZY) as box:
        replies = {f: box.call("ex02_sigmoid", f, {"z": 0.5}, 60)
                   for f in ("sigmoid", "sigmoid_grad", "uses_numpy_and_math")}
    assert replies["sigmoid"].status == "forbidden_import", replies
    assert "import grader" in replies["sigmoid"].error
    torch, fine = replies["sigmoid_grad"], replies["uses_numpy_and_math"]
    assert torch.status == "forbidden_import" and "import torch" in torch.error
    assert fine.ok and fine.value == pytest.approx(np.tanh(0.5), rel=1e-15)


def test_the_ex16_timing_reference_matches_the_kernel_and_needs_no_kernels() -> None:
    from grader.engine.backend import load_backend
    from grader.reference import ex16_fused_adam as kernel_backed

    path = load_backend().reference_module("ex16_fused_adam")
    source = path.read_text()
    assert "kernels" not in source.replace("``kernels/``", "").split('"""', 2)[2]
    scope: dict = {"__name__": "standalone"}
    exec(compile(source, str(path), "exec"), scope)
    rng = np.random.default_rng(3)
    w, g, m = rng.standard_normal(257), rng.standard_normal(257), rng.standard_normal(257)
    v = rng.random(257)
    a, b = [x.copy() for x in (w, m, v)], [x.copy() for x in (w, m, v)]
    scope["adam_step_fused"](a[0], g, a[1], a[2], 7, 0.01, 0.9, 0.999, 1e-8)
    kernel_backed.adam_step_fused(b[0], g, b[1], b[2], 7, 0.01, 0.9, 0.999, 1e-8)
    for got, exp in zip(a, b, strict=True):
        np.testing.assert_allclose(got, exp, rtol=1e-14, atol=0)

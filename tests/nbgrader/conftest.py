"""Fixtures of the nbgrader tests: a Jupyter kernel named ``python3`` running this interpreter, installed in
a temporary Jupyter path (the user's home is never touched), and a runner for nbgrader's command line."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat
import pytest

from grader.nbgrader.source import split_module

ROOT = Path(__file__).resolve().parents[2]
TEST_SECRET = "nbgrader-test-secret"
# Without the `nbgrader` extra only the student bundle can be tested.
collect_ignore = (
    [] if importlib.util.find_spec("nbgrader")
    else ["test_nbgrader_build.py", "test_nbgrader_roundtrip.py", "test_nbgrader_all_exercises.py"]
)


@pytest.fixture(scope="session")
def jupyter_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for nbgrader and its kernels: kernelspec ``python3`` -> ``sys.executable`` under a
    temporary ``JUPYTER_PATH``; Jupyter's data/config dirs, IPython's and Numba's caches in tmp too."""
    base = tmp_path_factory.mktemp("jupyter")
    prefix = base / "prefix"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON", "NBGRADER"))}
    env.update(
        JUPYTER_PATH=str(prefix / "share" / "jupyter"),
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(base / "ipython"),
        NUMBA_CACHE_DIR=str(base / "numba"),
        DEEPGRADE_SECRET=TEST_SECRET,
        PYTHONWARNINGS="ignore::DeprecationWarning",
    )
    subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", "python3"],
        env=env, check=True, capture_output=True, timeout=120,
    )
    assert (prefix / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").is_file()
    return env


def run_nbgrader(args: Sequence[str], cwd: Path, env: dict[str, str]) -> str:
    """``nbgrader ARGS`` in ``cwd``; its log, or an assertion error holding the log's tail."""
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=600,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{log[-4000:]}"
    return log


def defined_name(source: str) -> str:
    """The name of the first function or class an answer cell defines."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            return node.name
    raise AssertionError(f"answer cell defines nothing:\n{source}")


def fill_answers(release: Path, module: Path, out: Path) -> None:
    """A student's notebook: the release copy with each answer cell replaced by the definition of the same
    name in ``module`` (kept as released when the module lacks it)."""
    nb = nbformat.read(release, as_version=4)
    _, chunks = split_module(module.read_text(encoding="utf-8"))
    by_name = {chunk.name: chunk.source for chunk in chunks if chunk.name}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = by_name.get(defined_name(cell.source), cell.source)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)

"""``nbgrader autograde`` on the same exercises and the same code as ``deepgrade grade``, for the
grading-throughput comparison.

The course comes from ``grader.nbgrader.build.build_course`` (every exercise of the registry), then
``nbgrader generate_assignment``; each student's notebook is the release copy with every answer cell
replaced by the function of the same name in ``examples/submissions/perfect``. The timed part is one
``nbgrader autograde "*"`` over all students, in a private Jupyter environment (kernelspec ``python3``
pointing at this interpreter, Jupyter, IPython and Numba caches in a temporary folder).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PERFECT = ROOT / "examples" / "submissions" / "perfect"


def _env(base: Path) -> dict[str, str]:
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
        PYTHONWARNINGS="ignore::DeprecationWarning",
        # Hidden checks draw each student's inputs at autograde: without a secret they fail at once and the
        # timing would leave their work out.
        DEEPGRADE_SECRET=os.environ.get("DEEPGRADE_SECRET") or "deepgrade-bench-nbgrader-secret",
    )
    subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", "python3"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return env


def _nbgrader(args: list[str], course: Path, env: dict[str, str], timeout_s: float) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:]
        raise RuntimeError(f"nbgrader {args[0]} exited {proc.returncode}: {tail}")


def _defined_name(source: str) -> str | None:
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            return node.name
    return None


def _fill(release: Path, module: Path, out: Path) -> None:
    from grader.nbgrader.source import split_module

    nb = nbformat.read(release, as_version=4)
    _, chunks = split_module(module.read_text(encoding="utf-8"))
    by_name = {chunk.name: chunk.source for chunk in chunks if chunk.name}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = by_name.get(_defined_name(cell.source), cell.source)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)


def autograde_seconds(students: int, timeout_s: float = 540) -> tuple[float, int]:
    """Wall seconds of one ``nbgrader autograde "*"`` over ``students`` copies of the perfect submission,
    and the number of assignments graded per student."""
    from grader.nbgrader.build import build_course

    with tempfile.TemporaryDirectory(prefix="deepgrade-bench-nbgrader-") as tmp:
        base = Path(tmp)
        env = _env(base)
        course = base / "course"
        build_course(course)
        _nbgrader(["generate_assignment", "*"], course, env, timeout_s)
        assignments = sorted(p.name for p in (course / "release").iterdir() if p.is_dir())
        for i in range(students):
            for a in assignments:
                dest = course / "submitted" / f"student{i:03d}" / a / f"{a}.ipynb"
                _fill(course / "release" / a / f"{a}.ipynb", PERFECT / f"{a}.py", dest)
        t0 = time.perf_counter()
        _nbgrader(["autograde", "*"], course, env, timeout_s)
        return time.perf_counter() - t0, len(assignments)

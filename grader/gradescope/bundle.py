"""The Gradescope autograder zip: ``setup.sh`` and ``run_autograder`` at its root (Gradescope's "Autograder
Specifications"), the wheel of this deepgrade, the instructor's solutions and the settings.

``setup.sh`` (run once as root when Gradescope builds the image) installs Python's venv and bubblewrap with
apt, makes ``/autograder/deepgrade-venv``, installs the wheel (with its dependencies from PyPI) and runs its
Python part, ``python -m grader.gradescope.prepare``. ``run_autograder`` runs ``python -m
grader.gradescope.run`` for each submission. ``DEEPGRADE_SKIP_INSTALL=1`` and ``DEEPGRADE_PYTHON`` let a test
run both with an already installed deepgrade, and ``--root`` points them at a folder laid out like
``/autograder``. No secret is ever written into the zip.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from grader.errors import UsageError
from grader.gradescope.layout import CONFIG_NAME, INSTRUCTOR, VENV, WHEEL_DIR, Settings
from grader.reports.files import file_mode

PROJECT = Path(__file__).resolve().parents[2]
WHEEL_SOURCES = ("pyproject.toml", "README.md", "grader", "kernels", "exercises", "benchmarks")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info", ".*")

SETUP_SH = f"""#!/usr/bin/env bash
# deepgrade's Gradescope autograder: set-up, run once as root when Gradescope builds the image.
# Needs a base image with Python >= 3.11 (Gradescope's Ubuntu 24.04 image has 3.12).
set -euo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
ROOT="$(dirname "$SOURCE")"
PY="${{DEEPGRADE_PYTHON:-$ROOT/{VENV}/bin/python}}"
if [ -z "${{DEEPGRADE_SKIP_INSTALL:-}}" ]; then
    apt-get update -qq
    apt-get install -y -qq python3 python3-venv python3-pip bubblewrap
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \\
        || {{ echo "deepgrade needs Python >= 3.11: choose the Ubuntu 24.04 base image" >&2; exit 1; }}
    python3 -m venv "$ROOT/{VENV}"
    "$ROOT/{VENV}/bin/pip" install -q "$SOURCE"/{WHEEL_DIR}/deepgrade-*.whl
fi
"$PY" -m grader.gradescope.prepare --root "$ROOT"
"""

RUN_AUTOGRADER = f"""#!/usr/bin/env bash
# deepgrade's Gradescope autograder: grades /autograder/submission into /autograder/results/results.json.
# Options: --root DIR (a folder laid out like /autograder), -e EXERCISE (grade only this one, for trials).
# The instructor's secret comes from the environment variable DEEPGRADE_SECRET (the assignment's settings).
set -uo pipefail
PY="${{DEEPGRADE_PYTHON:-/autograder/{VENV}/bin/python}}"
exec "$PY" -m grader.gradescope.run "$@"
"""


def _add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build_wheel(dest: Path) -> Path:
    """The wheel of this project (no solutions: ``pyproject.toml`` leaves them out), built from a copy of
    its sources so that the checkout gets no ``build/`` folder."""
    with tempfile.TemporaryDirectory(prefix="deepgrade-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in WHEEL_SOURCES:
            path = PROJECT / name
            if path.is_dir():
                shutil.copytree(path, src / name, ignore=IGNORED)
            elif path.is_file():
                shutil.copyfile(path, src / name)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-q",
             "-w", str(dest)], capture_output=True, text=True, timeout=600,
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["pip wheel failed"])[-1]
            raise UsageError(f"cannot build deepgrade's wheel: {last}")
    wheels = sorted(dest.glob("deepgrade-*.whl"))
    if len(wheels) != 1:
        raise UsageError(f"cannot build deepgrade's wheel: {len(wheels)} wheels in {dest}")
    return wheels[0]


def solution_files(solutions: Path) -> list[Path]:
    """The files of the solutions package to ship: regular files, caches and dotfiles left out."""
    if not (solutions / "__init__.py").is_file():
        raise UsageError(f"{solutions} is not a solutions/ folder (no __init__.py in it)")
    return sorted(
        p for p in solutions.rglob("*")
        if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts
        and not any(part.startswith(".") for part in p.relative_to(solutions).parts)
    )


def build_zip(out: Path, settings: Settings, solutions: Path) -> Path:
    """Write the autograder zip to ``out`` (atomically) and return it."""
    out = Path(out)
    if out.suffix != ".zip":
        raise UsageError(f"the autograder must be a .zip file, got {out}")
    files = solution_files(solutions)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deepgrade-zip-", dir=out.parent) as tmp:
        wheel = build_wheel(Path(tmp) / "dist")
        staged = Path(tmp) / out.name
        with zipfile.ZipFile(staged, "w") as zf:
            _add(zf, "setup.sh", SETUP_SH.encode(), 0o755)
            _add(zf, "run_autograder", RUN_AUTOGRADER.encode(), 0o755)
            _add(zf, CONFIG_NAME, settings.to_json().encode(), 0o644)
            _add(zf, f"{WHEEL_DIR}/{wheel.name}", wheel.read_bytes(), 0o644)
            for path in files:
                rel = path.relative_to(solutions).as_posix()
                _add(zf, f"{INSTRUCTOR}/solutions/{rel}", path.read_bytes(), 0o600)
        staged.chmod(file_mode())
        staged.replace(out)
    return out

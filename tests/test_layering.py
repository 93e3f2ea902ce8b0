"""The direction of dependencies and the banned modules, as contracts that run with the tests.

``lint-imports`` checks the import-linter contracts of ``pyproject.toml`` (``[tool.importlinter]``: kernels
import nothing of the project, the stubs nothing at all, the grader never imports solutions/ nor ships an
import of kernels/ to students, ...). ``ruff``'s banned-API rule (``TID251``) forbids ``pickle``, ``dill``,
``marshal`` and ``shelve`` in ``grader/``. Each is also shown to fail on a violation, so neither can pass by
checking nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BANNED = ("pickle", "dill", "marshal", "shelve")


def _tool(name: str) -> str:
    """The console script next to this interpreter (the project's virtual environment), else on PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


def _run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_import_contracts_are_kept() -> None:
    proc = _run(_tool("lint-imports"), "--no-cache")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert f"Contracts: {len(contracts['contracts'])} kept, 0 broken." in proc.stdout


def test_import_contracts_catch_a_kernel_that_imports_the_grader(tmp_path: Path) -> None:
    """The project's own kernels contract, on a tree where a kernel imports the grader inside a function."""
    for package in ("kernels", "solutions", "exercises", "grader", "benchmarks"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "kernels" / "leak.py").write_text("def f():\n    from grader import model\n")
    (tmp_path / "grader" / "model.py").write_text("")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["name"].startswith("kernels import")]
    lines = ["[tool.importlinter]", f"root_packages = {json.dumps(config['root_packages'])}",
             "[[tool.importlinter.contracts]]",
             *(f"{key} = {json.dumps(value)}" for key, value in contract.items())]
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n")
    proc = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert proc.returncode == 1, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "kernels import no other package of the project BROKEN" in proc.stdout
    assert "kernels.leak -> grader.model" in proc.stdout


def test_grader_uses_no_code_running_serialisation() -> None:
    proc = _run(_tool("ruff"), "check", "--select", "TID251", "--output-format", "concise", "grader")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("module", BANNED)
def test_banned_modules_are_refused_in_the_grader_only(module: str, tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for folder in ("grader", "kernels"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "codec.py").write_text(f"import {module}\n\nprint({module})\n")
    proc = _run(_tool("ruff"), "check", "--select", "TID251", "--output-format", "concise", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    flagged = [ln for ln in proc.stdout.splitlines() if "TID251" in ln]
    assert len(flagged) == 1 and flagged[0].startswith("grader/codec.py"), proc.stdout
    assert f"`{module}` is banned" in flagged[0]

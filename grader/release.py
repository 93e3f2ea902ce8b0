"""The plain-files student bundle (``deepgrade release OUT_DIR``): everything a student needs to write the
exercises and run ``deepgrade check`` on them, and nothing an instructor must keep.

Shipped: ``exercises/`` (the stubs), ``kernels/``, the ``grader`` package with ``grader/registry.py``
stripped of its ``### BEGIN HIDDEN TESTS`` blocks (``grader.make_stubs.strip_hidden_tests``), the public
expected values ``grader/data/public_expected.json``, a README in French and English, and a
``pyproject.toml`` (the main project's dependencies) so that ``pip install -e .`` gives ``deepgrade check``.
Left out: ``solutions/``, the hidden checks, the in-process grader of trusted code
(``grader/inprocess.py``) and every cache. Nothing here reads ``solutions/``: the bundle is copied from
the public trees only.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

from grader.errors import UsageError
from grader.make_stubs import strip_hidden_tests

ROOT = Path(__file__).resolve().parent.parent
TREES = ("exercises", "kernels", "grader")
LEFT_OUT = ("grader/inprocess.py",)
IGNORED = ("__pycache__", "*.pyc", "*.nbi", "*.nbc", ".ipynb_checkpoints", ".pytest_cache")
REGISTRY = "grader/registry.py"

PYPROJECT = """\
# The student bundle of deepgrade: `pip install -e .` gives the `deepgrade check` command.
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "deepgrade-student"
version = {version}
requires-python = ">=3.11"
dependencies = {dependencies}

[project.scripts]
deepgrade = "grader.cli:main"

[tool.setuptools.packages.find]
include = ["kernels*", "grader*", "exercises*"]

[tool.setuptools.package-data]
"*" = ["*.json", "*.md", "*.ini"]
"""

README = """\
# deepgrade : exercices d'apprentissage profond / deep-learning exercises

## Français

Complétez les fonctions des fichiers `exercises/exNN_*.py` : remplacez chaque `raise NotImplementedError`
par votre code, sans renommer les fichiers ni les fonctions. Chaque docstring donne la formule et la
section du rapport « Apprentissage Profond ». Vous pouvez utiliser NumPy, Numba et `kernels/`.

Installez une fois les dépendances et la commande `deepgrade` (Python 3.11), depuis ce dossier :

    python -m pip install -e .

puis vérifiez votre travail avec les tests publics :

    deepgrade check exercises --lang fr
    deepgrade check exercises -e ex02_sigmoid --lang fr

(sans installation : `python -m grader.cli check exercises`). Un notebook nbgrader (`ex02_sigmoid.ipynb`)
se vérifie de la même façon : `deepgrade check ex02_sigmoid.ipynb`.

La note finale comprend aussi des tests cachés, sur d'autres entrées : réussir les tests publics ne suffit
pas, écrivez un code juste pour toute entrée.

## English

Fill in the functions of `exercises/exNN_*.py`: replace each `raise NotImplementedError` with your code,
keeping the file and function names. Each docstring gives the formula and the section of the report.
You may use NumPy, Numba and `kernels/`.

Install the dependencies and the `deepgrade` command once (Python 3.11), from this folder:

    python -m pip install -e .

then check your work against the public checks:

    deepgrade check exercises --lang en
    deepgrade check exercises -e ex02_sigmoid --lang en

(without installing: `python -m grader.cli check exercises`). An nbgrader notebook (`ex02_sigmoid.ipynb`)
is checked the same way: `deepgrade check ex02_sigmoid.ipynb`.

The final grade also runs hidden checks on other inputs: passing the public checks is not enough, write
code that is right for every input.
"""


def _copy_tree(name: str, out: Path) -> None:
    shutil.copytree(ROOT / name, out / name, ignore=shutil.ignore_patterns(*IGNORED))


def build_bundle(out_dir: str | Path) -> list[Path]:
    """Write the bundle into ``out_dir`` (created; it must not exist or be empty); returns its files."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder: choose a new output folder")
    out.mkdir(parents=True, exist_ok=True)
    for tree in TREES:
        _copy_tree(tree, out)
    for rel in LEFT_OUT:
        (out / rel).unlink(missing_ok=True)
    registry = (ROOT / REGISTRY).read_text(encoding="utf-8")
    (out / REGISTRY).write_text(strip_hidden_tests(registry, REGISTRY), encoding="utf-8")
    (out / "README.md").write_text(README, encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (out / "pyproject.toml").write_text(PYPROJECT.format(
        version=json.dumps(project["version"]), dependencies=json.dumps(project["dependencies"]),
    ), encoding="utf-8")
    return sorted(p for p in out.rglob("*") if p.is_file())

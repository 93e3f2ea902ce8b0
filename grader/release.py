"""The plain-files student bundle (``deepgrade release OUT_DIR``): everything a student needs to write the
exercises and run ``deepgrade check`` on them, and nothing an instructor must keep.

Shipped: ``exercises/`` (the stubs), the ``grader`` package with every file stripped of its
``### BEGIN HIDDEN TESTS`` blocks (``grader.make_stubs.strip_hidden_tests``: the hidden checks of
``grader/checks/`` and their helpers), the public expected values
``grader/data/public_expected.json``, a README in French and English, a ``pyproject.toml`` (the main
project's dependencies) so that ``pip install -e .`` gives ``deepgrade check``, and the marker
``grader/data/student_bundle.json`` (the version): with it ``deepgrade --help`` lists ``check`` alone and
an instructor's command (``grade``, ``bench``, ``nbgrader``, ...) says in one line that it needs the
instructor's project.

Left out: no implementation of a graded function reaches a student. ``solutions/``, the hidden checks,
``kernels/`` (its rules and layers answer most exercises, ``kernels.optim.adam_step`` answers ex11 and
ex16), the timing references ``grader/reference/``, the in-process grader of trusted code
(``grader/inprocess.py``) and every cache. The one public input that needs ``kernels/`` (the source
network that ``grader.datasets.pretrain_digits`` trains for ex15) is trained here, for the public checks'
fixed seeds only, and shipped as data: the bundle's ``pretrain_digits`` looks it up in
``grader/data/pretrained_public.json`` (``PRETRAINED_SOURCE``). Nothing here reads ``solutions/``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.make_stubs import strip_hidden_tests

ROOT = Path(__file__).resolve().parent.parent
TREES = ("exercises", "grader")
LEFT_OUT = ("grader/inprocess.py", "grader/reference")
IGNORED = ("__pycache__", "*.pyc", "*.nbi", "*.nbc", ".ipynb_checkpoints", ".pytest_cache")
DATASETS = "grader/datasets.py"
PRETRAINED = "grader/data/pretrained_public.json"
MARKER = "grader/data/student_bundle.json"  # grader.cli lists only the student's commands where it exists

PRETRAINED_SOURCE = '''
def _pretrain_key(X, y, hidden, seed, epochs):
    """The digest that names one pretrained network: the training data and the arguments."""
    import hashlib

    digest = hashlib.sha256(repr((X.shape, y.shape, int(hidden), int(seed), int(epochs))).encode())
    digest.update(np.ascontiguousarray(X, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    return digest.hexdigest()


def pretrain_digits(X, y, *, hidden, seed, epochs=20):
    """The source network of a public check of exercise 15, trained by the instructor's kernels and
    shipped as data (``grader/data/pretrained_public.json``): the student bundle holds no training code."""
    import json
    from pathlib import Path

    from grader import values

    table = json.loads((Path(__file__).parent / "data" / "pretrained_public.json").read_text("utf-8"))
    key = _pretrain_key(X, y, hidden, seed, epochs)
    if key not in table:
        raise ValueError("this network is trained by the instructor's grader only (not a public check)")
    Ws, bs = values.decode(table[key])
    return [np.array(W, dtype=np.float64) for W in Ws], [np.array(b, dtype=np.float64) for b in bs]
'''
"""The bundle's ``pretrain_digits`` (and its key), replacing the one that trains with ``kernels/``."""

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
include = ["grader*", "exercises*"]

[tool.setuptools.package-data]
"*" = ["*.json", "*.md", "*.ini"]
"""

README = """\
# deepgrade : exercices d'apprentissage profond / deep-learning exercises

## Français

Complétez les fonctions des fichiers `exercises/exNN_*.py` : remplacez chaque `raise NotImplementedError`
par votre code, sans renommer les fichiers ni les fonctions. Chaque docstring donne la formule et la
section du rapport « Apprentissage Profond ». Vous pouvez utiliser NumPy et Numba.

Installez une fois les dépendances et la commande `deepgrade` (Python 3.11), depuis ce dossier :

    python -m pip install -e .

puis vérifiez votre travail avec les tests publics :

    deepgrade check exercises --lang fr
    deepgrade check exercises -e ex02 --lang fr
    deepgrade check exercises -e ex02 --watch

(sans installation : `python -m grader.cli check exercises`). Pour chaque test échoué, la commande dit
pourquoi (les valeurs qui diffèrent, la tolérance), la section du rapport à relire et un indice ;
`--verbose` montre aussi les valeurs des tests réussis, `--watch` relance les tests d'un exercice chaque
fois que vous enregistrez son fichier (Ctrl-C pour arrêter). `deepgrade --version` donne la version.
Un notebook nbgrader (`ex02_sigmoid.ipynb`)
se vérifie de la même façon : `deepgrade check ex02_sigmoid.ipynb`.

La note finale comprend aussi des tests cachés, sur d'autres entrées : réussir les tests publics ne suffit
pas, écrivez un code juste pour toute entrée.

## English

Fill in the functions of `exercises/exNN_*.py`: replace each `raise NotImplementedError` with your code,
keeping the file and function names. Each docstring gives the formula and the section of the report.
You may use NumPy and Numba.

Install the dependencies and the `deepgrade` command once (Python 3.11), from this folder:

    python -m pip install -e .

then check your work against the public checks:

    deepgrade check exercises --lang en
    deepgrade check exercises -e ex02 --lang en
    deepgrade check exercises -e ex02 --watch --lang en

(without installing: `python -m grader.cli check exercises`). For each failed check the command says why
(the values that differ, the tolerance), the section of the report to reread and a hint; `--verbose`
also shows the passing checks' values, `--watch` re-runs an exercise's checks each time you save its file
(Ctrl-C to stop). `deepgrade --version` prints the version.
An nbgrader notebook (`ex02_sigmoid.ipynb`)
is checked the same way: `deepgrade check ex02_sigmoid.ipynb`.

The final grade also runs hidden checks on other inputs: passing the public checks is not enough, write
code that is right for every input.
"""


def _copy_tree(name: str, out: Path) -> None:
    shutil.copytree(ROOT / name, out / name, ignore=shutil.ignore_patterns(*IGNORED))


def _project() -> dict[str, Any]:
    """Version and dependencies of deepgrade: from the checkout's ``pyproject.toml``, or from the installed
    distribution's metadata (a wheel install has no ``pyproject.toml``)."""
    path = ROOT / "pyproject.toml"
    if path.is_file():
        return tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    requires = importlib.metadata.requires("deepgrade") or []
    return {"version": importlib.metadata.version("deepgrade"),
            "dependencies": [r for r in requires if "extra ==" not in r]}


def pretrained_public() -> dict[str, Any]:
    """Every network ``grader.datasets.pretrain_digits`` trains while the public checks' inputs are drawn
    (fixed seeds), encoded with ``grader.values`` and keyed by ``_pretrain_key``."""
    import numpy as np

    from grader import datasets, values
    from grader.expected import draw_inputs
    from grader.registry import EXERCISES
    from grader.seeds import check_seed

    scope: dict[str, Any] = {"np": np}
    exec(PRETRAINED_SOURCE, scope)
    table: dict[str, Any] = {}
    real = datasets.pretrain_digits

    def record(X: Any, y: Any, *, hidden: int, seed: int, epochs: int = 20) -> Any:
        Ws, bs = real(X, y, hidden=hidden, seed=seed, epochs=epochs)
        table[scope["_pretrain_key"](X, y, hidden, seed, epochs)] = values.encode([Ws, bs])
        return Ws, bs

    datasets.pretrain_digits = record
    try:
        for exercise in EXERCISES:
            for check in exercise.checks:
                if not check.hidden:
                    draw_inputs(exercise, check, check_seed(exercise.id, check.name, "", "", hidden=False))
    finally:
        datasets.pretrain_digits = real
    return table


def _bundle_datasets(source: str) -> str:
    """``grader/datasets.py`` with ``pretrain_digits`` replaced by the look-up of ``PRETRAINED_SOURCE``."""
    tree = ast.parse(source)
    found = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "pretrain_digits"]
    if not found:
        raise UsageError(f"{DATASETS}: no pretrain_digits to replace; update grader/release.py")
    lines = source.splitlines(keepends=True)
    start = min([found[0].lineno, *(d.lineno for d in found[0].decorator_list)]) - 1
    replacement = PRETRAINED_SOURCE.strip("\n") + "\n"
    return "".join([*lines[:start], replacement, *lines[found[0].end_lineno:]])


def build_bundle(out_dir: str | Path) -> list[Path]:
    """Write the bundle into ``out_dir`` (created; it must not exist or be empty); returns its files."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder: choose a new output folder")
    out.mkdir(parents=True, exist_ok=True)
    for tree in TREES:
        _copy_tree(tree, out)
    for rel in LEFT_OUT:
        target = out / rel
        if target.is_dir():
            shutil.rmtree(target)
        target.unlink(missing_ok=True)
    for shipped in sorted(out.rglob("*.py")):  # the hidden checks (grader/checks/*.py) and their helpers
        source = shipped.read_text(encoding="utf-8")
        name = shipped.relative_to(out).as_posix()
        shipped.write_text(strip_hidden_tests(source, name), encoding="utf-8")
    datasets = (ROOT / DATASETS).read_text(encoding="utf-8")
    (out / DATASETS).write_text(_bundle_datasets(datasets), encoding="utf-8")
    (out / PRETRAINED).write_text(json.dumps(pretrained_public(), sort_keys=True) + "\n", encoding="utf-8")
    (out / "README.md").write_text(README, encoding="utf-8")
    project = _project()
    marker = {"version": project["version"], "commands": ["check"]}
    (out / MARKER).write_text(json.dumps(marker, sort_keys=True) + "\n", encoding="utf-8")
    (out / "pyproject.toml").write_text(PYPROJECT.format(
        version=json.dumps(project["version"]), dependencies=json.dumps(project["dependencies"]),
    ), encoding="utf-8")
    return sorted(p for p in out.rglob("*") if p.is_file())

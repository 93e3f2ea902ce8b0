"""The wheel is the instructor's grader and ships no answer: it holds no ``solutions/`` file and every data
file the grader reads (``grader/engine/grader.ini``); installed into a fresh interpreter without a virtual
environment (SECURITY.md's container recipe, where deepgrade sits in the base installation's
site-packages), ``deepgrade grade`` gives the perfect sample full marks with hidden checks from
``DEEPGRADE_SOLUTIONS``, and 0 to a stub that hunts for ``solutions/`` through site-packages, ``*.pth``
targets, editable finders and the overlay's links, under bubblewrap and in process mode (Landlock)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from grader.sandbox import bwrap

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "submissions" / "perfect"
GRADED = {"ex01_perceptron": ("step", "perceptron"), "ex02_sigmoid": ("sigmoid", "sigmoid_grad"),
          "ex05_quadratic_cost": ("quadratic_cost", "quadratic_cost_grad")}
SOURCES = ("pyproject.toml", "README.md", "grader", "kernels", "exercises", "benchmarks", "solutions")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info")

pytestmark = pytest.mark.slow

# A student's module: finds the master solution wherever a Python installation might expose it, executes
# it and answers with it (or raises NotImplementedError). FOUND lists what it could read.
THIEF = '''
import glob, os, sys

FOUND, STOLEN = [], {{}}


def _roots():
    roots = {{{repo!r}}}
    for base in {{sys.base_prefix, sys.prefix}}:
        roots.update(glob.glob(os.path.join(base, "lib", "python3*", "site-packages")))
    for entry in list(sys.path):
        for link in glob.glob(os.path.join(entry, "*")):
            if os.path.islink(link):
                roots.add(os.path.dirname(os.path.realpath(link)))
    for _ in range(3):
        for root in list(roots):
            for pth in glob.glob(os.path.join(root, "*.pth")) + glob.glob(os.path.join(root, "__edit*")):
                try:
                    text = open(pth).read()
                except OSError:
                    continue
                for word in text.replace("'", '"').replace("\\n", '"').split('"'):
                    if word.startswith("/"):
                        roots.update({{word.rstrip("/"), os.path.dirname(word.rstrip("/"))}})
    return sorted(roots)


for root in _roots():
    for package in ("solutions", "grader/reference"):
        path = os.path.join(root, package, {module!r} + ".py")
        try:
            source = open(path).read()
        except OSError:
            continue
        try:
            exec(compile(source, path, "exec"), STOLEN)
        except Exception:
            continue
        FOUND.append(path)
for name in ("solutions", "grader", "kernels"):
    try:
        __import__(name)
        FOUND.append("import " + name)
    except ImportError:
        pass


def _answer(name, args, kwargs):
    if name in STOLEN:
        return STOLEN[name](*args, **kwargs)
    raise NotImplementedError(name)
'''
FUNCTION = '''

def {name}(*args, **kwargs):
    return _answer({name!r}, args, kwargs)
'''


def _link_tree(src: Path, dest: Path, ignore: object = None) -> None:
    try:
        shutil.copytree(src, dest, copy_function=os.link, ignore=ignore, symlinks=True)
    except OSError:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(src, dest, ignore=ignore, symlinks=True)


def _fresh_python(root: Path) -> Path:
    """A copy of the base installation without its site-packages (hard links where possible), whose own
    site-packages sees this environment's packages through a ``.pth`` file, as a plain ``pip install``
    into a base interpreter would."""
    stdlib = Path(sysconfig.get_path("stdlib", vars={"installed_base": sys.base_prefix}))
    lib = root / "lib" / stdlib.name
    _link_tree(stdlib, lib, shutil.ignore_patterns("site-packages", "dist-packages", "test"))
    site = lib / "site-packages"
    site.mkdir()
    (root / "bin").mkdir()
    python = root / "bin" / stdlib.name
    shutil.copy2(os.path.realpath(sys._base_executable), python)
    (root / "bin" / "python3").symlink_to(stdlib.name)
    for shared in Path(sys.base_prefix, "lib").glob("libpython*"):
        shutil.copy2(shared, root / "lib" / shared.name, follow_symlinks=False)
    venv_site = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "deps.pth").write_text("\n".join(venv_site) + "\n")
    return root / "bin" / "python3"


def _site(python: Path) -> Path:
    (site,) = python.parent.parent.glob("lib/python3*/site-packages")
    return site


def _env(fresh: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "DEEPGRADE"))}
    env["PATH"] = f"{fresh.parent}:/usr/local/bin:/usr/bin:/bin"
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def _submissions(root: Path) -> Path:
    subs = root / "subs"
    (subs / "perfect").mkdir(parents=True)
    (subs / "thief").mkdir()
    for module, functions in GRADED.items():
        shutil.copyfile(SAMPLE / f"{module}.py", subs / "perfect" / f"{module}.py")
        code = THIEF.format(repo=str(REPO), module=module)
        code += "".join(FUNCTION.format(name=name) for name in functions)
        (subs / "thief" / f"{module}.py").write_text(code)
    return subs


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """``(wheel, fresh python, submissions)``: the wheel built from a copy of the sources, installed
    without its dependencies into a fresh interpreter."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=IGNORED)
        else:
            shutil.copyfile(path, src / name)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(root / "dist")],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = (root / "dist").glob("deepgrade-*.whl")
    python = _fresh_python(root / "py")
    # A pure-Python wheel is installed by unpacking it into site-packages. Never pip here: through the
    # .pth file pip would see this environment's deepgrade and uninstall it.
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(_site(python))
    return wheel, python, _submissions(root)


def test_the_wheel_holds_no_solution_and_the_grader_s_data(installed: tuple[Path, Path, Path]) -> None:
    wheel, _, _ = installed
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert not [n for n in names if n.startswith("solutions/") or "/solutions/" in n]
    assert {"grader/engine/grader.ini", "grader/data/public_expected.json", "grader/harness.py",
            "grader/nbgrader/README.md", "kernels/rules.py", "exercises/ex02_sigmoid.py"} <= names


def test_the_fresh_interpreter_runs_the_installed_wheel(installed: tuple[Path, Path, Path]) -> None:
    _, python, subs = installed
    probe = ("import importlib.util as u, sys, grader, ex02_sigmoid as m\n"
             "print(grader.__file__, sys.prefix == sys.base_prefix, u.find_spec('solutions'), m.FOUND)")
    proc = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=120,
                          env=_env(python, PYTHONPATH=str(subs / "thief")), cwd=subs.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    where, no_venv, spec, found = proc.stdout.strip().split(" ", 3)
    assert where.startswith(str(_site(python))) and no_venv == "True" and spec == "None"
    # without a sandbox the thief reads the master solution (through the .pth and the editable finder)
    assert str(REPO / "solutions" / "ex02_sigmoid.py") in found, found


@pytest.mark.parametrize("mode", ["process", pytest.param("bwrap", marks=pytest.mark.skipif(
    bool(bwrap.probe()), reason=f"bubblewrap unusable: {bwrap.probe()}"))])
def test_installed_grader_scores_the_sample_and_not_the_thief(
    installed: tuple[Path, Path, Path], mode: str, tmp_path: Path
) -> None:
    _, python, subs = installed
    out = tmp_path / "out"
    env = _env(python, DEEPGRADE_SOLUTIONS=str(REPO / "solutions"), DEEPGRADE_SECRET="test-secret")
    cmd = [str(python), "-m", "grader.cli", "grade", str(subs), "--out", str(out), "--sandbox", mode,
           "--no-progress", "--lang", "en", "--timeout", "30", *(a for m in GRADED for a in ("-e", m))]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    by_student: dict[str, list[dict]] = {}
    for record in records:
        by_student.setdefault(record["student"], []).append(record)
    perfect, thief = by_student["perfect"], by_student["thief"]
    assert {r["exercise"] for r in perfect} == set(GRADED) and any(r["hidden"] for r in perfect)
    assert all(r["outcome"] == "passed" for r in perfect), [r for r in perfect if r["outcome"] != "passed"]
    assert len(thief) == len(perfect)
    assert sum(r["points"] for r in thief) == 0, [r for r in thief if r["points"]]
    assert {r["outcome"] for r in thief} == {"not_implemented"}, {r["outcome"] for r in thief}

"""Acceptance (issue 14, part 1): ``deepgrade gradescope build`` writes an autograder zip that Gradescope can
run. The zip is unpacked into a folder laid out like ``/autograder``; ``setup.sh`` runs with its install
step skipped (this venv's deepgrade stands in for the wheel) and locks the solutions; ``run_autograder
--root`` grades the perfect, partial and one hostile sample (three exercises each, to stay short), and each
``results.json`` validates against a JSON schema of Gradescope's documented format (every key the
specification lists, and no other) with the points that trusted code expects."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from grader.registry import EXERCISES, by_id

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "examples" / "submissions"
HOSTILE = ROOT / "tests" / "adversarial" / "submissions" / "osexit_import"
GRADED = ("ex01_perceptron", "ex02_sigmoid", "ex05_quadratic_cost")
SECRET = "gradescope-test-secret-4f1d0c"  # must never appear in the zip
# (sample folder, exercises expected to score full marks; every other graded exercise scores 0)
CASES = {
    "perfect": (SAMPLES / "perfect", GRADED),
    "partial": (SAMPLES / "partial", ("ex01_perceptron", "ex02_sigmoid")),  # ex05 is "wrong" there
    "osexit_import": (HOSTILE, ("ex01_perceptron", "ex05_quadratic_cost")),  # its EXPECT: honest ones
}

# Gradescope's "Autograder Specifications" (gradescope-autograders.readthedocs.io/en/latest/specs/), as a
# JSON schema: every documented key with its documented values, nothing else.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "simple_format", "html", "md", "ansi"]}
TEST_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "status": {"enum": ["passed", "failed"]},
        "name": {"type": "string"},
        "name_format": FORMAT,
        "number": {"type": "string"},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": VISIBILITY,
        "extra_data": {"type": "object"},
    },
}
RESULTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": TEST_SCHEMA},
        "leaderboard": {"type": "array", "items": {"type": "object", "required": ["name", "value"]}},
    },
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],  # "required if not on each test case"
}
# What deepgrade promises on top of the format.
OURS = {**RESULTS_SCHEMA, "required": ["score", "visibility", "execution_time", "tests"],
        "properties": {**RESULTS_SCHEMA["properties"], "tests": {"type": "array", "items": {
            **TEST_SCHEMA,
            "required": ["name", "number", "score", "max_score", "tags", "visibility", "output", "status"],
        }}}}


def validate(data: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(RESULTS_SCHEMA)
    jsonschema.validate(data, RESULTS_SCHEMA, cls=jsonschema.Draft202012Validator)
    jsonschema.validate(data, OURS, cls=jsonschema.Draft202012Validator)


def points(exercises) -> float:
    return sum(by_id(ex).max_points for ex in exercises)


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "DEEPGRADE_SECRET")}
    return {**base, "DEEPGRADE_PYTHON": sys.executable, **extra}


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    command = [sys.executable, "-m", "grader.cli", "gradescope", "build", str(out), "--lang", "en"]
    proc = subprocess.run(command, env=env(DEEPGRADE_SECRET=SECRET), capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def autograder(autograder_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out like /autograder after Gradescope's image build: source/ (the zip), run_autograder
    copied beside it, setup.sh run (its Python part: the install step skipped)."""
    root = tmp_path_factory.mktemp("autograder")
    with zipfile.ZipFile(autograder_zip) as zf:
        zf.extractall(root / "source")
        for info in zf.infolist():  # zipfile drops the modes: put them back as unzip would
            (root / "source" / info.filename).chmod((info.external_attr >> 16) & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    proc = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env(DEEPGRADE_SKIP_INSTALL="1"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "autograder: language en, sandbox auto" in proc.stdout
    return root


Ran = tuple[subprocess.CompletedProcess, dict]


def run_autograder(root: Path, sample: Path, exercises: tuple[str, ...] = GRADED, **extra: str) -> Ran:
    """Grade ``sample`` as Gradescope would; a hostile sample gets the honest modules its ``EXPECT`` names
    from the perfect sample, as in tests/adversarial."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    if (sample / "EXPECT").is_file():
        fields = dict(f.split("=", 1) for f in (sample / "EXPECT").read_text().split() if "=" in f)
        (root / "submission").mkdir()
        for honest in filter(None, fields.get("honest", "").split(",")):
            shutil.copyfile(SAMPLES / "perfect" / f"{honest}.py", root / "submission" / f"{honest}.py")
    shutil.copytree(sample, root / "submission", ignore=shutil.ignore_patterns("EXPECT", "__pycache__"),
                    dirs_exist_ok=True)
    (root / "submission_metadata.json").write_text(json.dumps(
        {"id": 1, "users": [{"email": f"{sample.name}@example.edu", "id": 7, "name": sample.name}]}))
    args = [f"--exercise={ex}" for ex in exercises]
    proc = subprocess.run(["bash", str(root / "run_autograder"), "--root", str(root), *args],
                          env=env(**extra), capture_output=True, text=True, timeout=900, cwd=root)
    return proc, json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_the_zip_holds_the_scripts_wheel_and_solutions_never_the_secret(autograder_zip: Path) -> None:
    with zipfile.ZipFile(autograder_zip) as zf:
        names = zf.namelist()
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
        blobs = [zf.read(n) for n in names]
        (wheel,) = [n for n in names if n.startswith("wheel/deepgrade-") and n.endswith(".whl")]
        with zipfile.ZipFile(zf.open(wheel)) as inner:
            assert not [n for n in inner.namelist() if n.startswith("solutions/")]
    assert {"setup.sh", "run_autograder", "deepgrade_autograder.json"} <= set(names)
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    prefix = "instructor/solutions/"
    shipped = {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
    assert {"__init__.py", *(f"{ex.id}.py" for ex in EXERCISES)} <= shipped
    assert all(modes[f"instructor/solutions/{n}"] == 0o600 for n in shipped)
    assert not any(SECRET.encode() in blob for blob in blobs)
    assert stat.S_IMODE(autograder_zip.stat().st_mode) == 0o644


def test_setup_locks_the_solutions(autograder: Path) -> None:
    locked = autograder / "source" / "instructor"
    for path in [locked, *locked.rglob("*")]:
        info = path.lstat()
        assert stat.S_IMODE(info.st_mode) == (0o700 if path.is_dir() else 0o600), path
        if os.geteuid() == 0:  # root: given to nobody, so a capless root child is refused by the mode bits
            assert info.st_uid == 65534, path


@pytest.mark.parametrize("case", list(CASES))
def test_run_autograder_writes_gradescope_results(autograder: Path, case: str) -> None:
    sample, solved = CASES[case]
    proc, data = run_autograder(autograder, sample, DEEPGRADE_SECRET=SECRET)
    assert proc.returncode == 0, proc.stderr[-3000:]
    validate(data)
    assert data["visibility"] == "visible" and isinstance(data["execution_time"], int)
    assert data["score"] == pytest.approx(points(solved), abs=1e-9)
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]), abs=1e-9)
    expected = [(ex.id, c) for ex in EXERCISES if ex.id in GRADED for c in ex.checks]
    assert [t["name"] for t in data["tests"]] == [f"{ex}: {c.name}" for ex, c in expected]
    for test, (ex, check) in zip(data["tests"], expected, strict=True):
        number = int(re.fullmatch(r"ex(\d+)_.*", ex).group(1))
        assert test["number"] == f"{number}.{[c.name for c in by_id(ex).checks].index(check.name) + 1}"
        assert test["tags"] == [ex, "hidden" if check.hidden else "public"]
        assert test["visibility"] == ("after_published" if check.hidden else "visible")
        assert test["max_score"] == check.points
        assert test["score"] == (check.points if ex in solved else 0.0), (test["name"], test["output"])
        assert test["output"].startswith(by_id(ex).title("en")), test["output"]
    if case == "osexit_import":
        assert all(t["status"] == "failed" for t in data["tests"] if t["tags"][0] == "ex02_sigmoid")


def test_without_the_secret_the_student_gets_a_reason_not_a_crash(autograder: Path) -> None:
    proc, data = run_autograder(autograder, SAMPLES / "perfect")
    assert proc.returncode == 2 and "DEEPGRADE_SECRET is not set" in proc.stderr
    validate(data)
    assert data["score"] == 0.0 and data["tests"] == [] and "DEEPGRADE_SECRET" in data["output"]


THIEF = """
import numpy as np

SOURCE = {path!r}


def sigmoid(z):
    namespace = {{}}
    with open(SOURCE, encoding="utf-8") as fh:  # the locked copy of the instructor's solution
        exec(fh.read(), namespace)
    return namespace["sigmoid"](z)


def sigmoid_grad(z):
    namespace = {{}}
    with open(SOURCE, encoding="utf-8") as fh:
        exec(fh.read(), namespace)
    return namespace["sigmoid_grad"](z)
"""


@pytest.mark.parametrize("sandbox", ["auto", "process"])
def test_a_submission_cannot_read_the_shipped_solutions(autograder: Path, tmp_path: Path, sandbox: str):
    """A submission that opens source/instructor/solutions/ex02_sigmoid.py by its absolute path and runs
    it scores 0 on ex02, under bubblewrap (not mounted) and in process mode (Landlock, and as root the
    files belong to nobody with mode 0600, which a capless child cannot pass)."""
    settings = autograder / "source" / "deepgrade_autograder.json"
    saved = settings.read_text()
    thief = tmp_path / "thief"
    thief.mkdir()
    locked = autograder / "source" / "instructor" / "solutions" / "ex02_sigmoid.py"
    (thief / "ex02_sigmoid.py").write_text(THIEF.format(path=str(locked)))
    namespace: dict = {}
    exec(THIEF.format(path=str(locked)), namespace)  # here, the grading user, it reads the file and works
    assert float(namespace["sigmoid"](0.0)) == 0.5
    try:
        settings.write_text(json.dumps({**json.loads(saved), "sandbox": sandbox}))
        proc, data = run_autograder(autograder, thief, ("ex02_sigmoid",), DEEPGRADE_SECRET=SECRET)
    finally:
        settings.write_text(saved)
    assert proc.returncode == 0, proc.stderr[-3000:]
    validate(data)
    assert data["tests"] and data["score"] == 0.0, [(t["name"], t["output"]) for t in data["tests"]]

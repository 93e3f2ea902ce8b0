"""The plain-files student bundle: it holds the stubs, the public checks and what ``deepgrade check``
needs, it passes its own ``deepgrade check`` on the stubs (every public check "not implemented") in an
interpreter where the repository's packages cannot be imported, and it leaks no solution, no hidden check
and no implementation of a graded function (no kernels/, no grader/reference/)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from grader import values
from grader.errors import UsageError
from grader.expected import make_case
from grader.registry import EXERCISES
from grader.release import build_bundle

# Run the bundle's CLI with the editable install's finder removed, so only the bundle can be imported.
BOOT = textwrap.dedent("""
    import sys
    bundle = sys.argv[1]
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in getattr(f, "__module__", "")]
    sys.path[:] = [bundle] + [p for p in sys.path if "__editable__" not in p and p not in ("", ".")]
    try:
        import solutions
    except ImportError:
        pass
    else:
        raise SystemExit("solutions/ is importable: the isolation failed")
    import grader.cli
    assert grader.cli.__file__.startswith(bundle), grader.cli.__file__
    sys.exit(grader.cli.main(sys.argv[2:]))
""")
# No file holds solution code: kernels/ (the course's kernels share the scalar rules and answer most
# exercises) and grader/reference/ stay with the instructor; the ex15 source networks ship as data.
SHARED_BY_DESIGN: tuple[str, ...] = ()
GENERIC = {
    "x = np.array(x, dtype=np.float64)", "rng = np.random.default_rng(seed)", "n_classes = int(y.max()) + 1",
    # the registry shuffles a grid's values, and grader/datasets.py converts its data, with the same lines
    "for values in grid.values():", "X = np.asarray(X, dtype=np.float64)",
    # the parent runs the network ex15 returns over its held-out images (registry); that tanh forward pass
    # is ex15's hidden_features, which no check grades
    "for W, b in zip(Ws[:-1], bs[:-1], strict=True):"}
FENCE = re.compile(r"### BEGIN SOLUTION\n(.*?)\n[ \t]*### END SOLUTION", re.S)
HIDDEN_FENCE = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS\n(.*?)^[ \t]*### END HIDDEN TESTS\n", re.S | re.M)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "deepgrade-student"
    build_bundle(out)
    return out


@pytest.fixture(scope="module")
def texts(bundle: Path) -> dict[str, str]:
    return {
        p.relative_to(bundle).as_posix(): p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(bundle.rglob("*")) if p.is_file()
    }


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_bundle_layout(bundle: Path, texts: dict[str, str]) -> None:
    for exercise in EXERCISES:
        assert (bundle / "exercises" / f"{exercise.id}.py").read_text() == (
            ROOT / "exercises" / f"{exercise.id}.py").read_text()
    assert not (bundle / "kernels").exists() and not (bundle / "grader" / "reference").exists()
    assert (bundle / "grader" / "data" / "pretrained_public.json").is_file()
    assert (bundle / "grader" / "data" / "public_expected.json").read_bytes() == (
        ROOT / "grader" / "data" / "public_expected.json").read_bytes()
    readme = texts["README.md"]
    assert "## Français" in readme and "## English" in readme and "check exercises" in readme
    assert not any(name.startswith("solutions/") or "__pycache__" in name for name in texts)
    project = tomllib.loads(texts["pyproject.toml"])
    assert project["project"]["scripts"] == {"deepgrade": "grader.cli:main"}
    assert "solutions*" not in str(project["tool"])
    assert "grader/inprocess.py" not in texts


def test_no_solution_body_in_the_bundle(texts: dict[str, str]) -> None:
    stubs = "\n".join(p.read_text() for p in (ROOT / "exercises").glob("ex*.py"))
    squashed = {n: _squash(t) for n, t in texts.items() if not n.startswith(SHARED_BY_DESIGN)}
    checked = 0
    for solution in sorted((ROOT / "solutions").glob("ex*.py")):
        for body in FENCE.findall(solution.read_text(encoding="utf-8")):
            whole = _squash(body)
            assert not [n for n, t in squashed.items() if whole in t], f"{solution.name}: body leaked"
            for line in {ln.strip() for ln in body.splitlines()}:
                if len(line) < 16 or line in GENERIC or line in stubs:
                    continue
                checked += 1
                leaks = [n for n, t in texts.items() if line in t and not n.startswith(SHARED_BY_DESIGN)]
                assert not leaks, f"{solution.name}: {line!r} in {leaks}"
    assert checked > 100


def test_no_hidden_check_in_the_bundle(texts: dict[str, str]) -> None:
    sources = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
               for p in sorted((ROOT / "grader").rglob("*.py"))}
    blocks = {name: HIDDEN_FENCE.findall(text) for name, text in sources.items()}
    fenced = sorted(name for name, found in blocks.items() if found)
    assert {f"grader/checks/{e.id}.py" for e in EXERCISES} <= set(fenced)
    for name, text in texts.items():
        if name.endswith(".py"):
            assert not [ln for ln in text.splitlines() if ln.strip() == "### BEGIN HIDDEN TESTS"], name
    for name in fenced:
        assert "hidden=True" not in texts[name] and "hidden(" not in texts[name], name
    public_part = {ln.strip() for text in sources.values() for ln in HIDDEN_FENCE.sub("", text).splitlines()}
    own = {ln.strip() for found in blocks.values() for block in found for ln in block.splitlines()
           if len(ln.strip()) >= 30} - public_part
    assert len(own) > 20
    for line in own:
        assert not [n for n, t in texts.items() if line in t], line
    hidden = [(e, c) for e in EXERCISES for c in e.checks if c.hidden]
    assert len(hidden) >= 16
    secrets = []
    for exercise, check in hidden:
        assert not [n for n, t in texts.items() if check.name in t], check.name
        for student in ("nbgrader", "alice"):
            case = make_case(exercise, check, student_id=student, secret="bundle-test")
            encoded = values.dumps(case.expected).decode()
            secrets += [d for d in re.findall(r'"data":"([^"]{24,})"', encoded) if len(set(d)) >= 16]
            for f in re.findall(r'"f":"([^"]+)"', encoded):
                if len(repr(float.fromhex(f))) >= 12:  # not a round number such as 0.8
                    secrets += [f, repr(float.fromhex(f))]
    assert len(secrets) > 30
    public = set(re.findall(r'"f": ?"([^"]+)"', texts["grader/data/public_expected.json"]))
    public |= {repr(float.fromhex(f)) for f in public}
    for secret in set(secrets) - public:  # a hidden value a public check also expects (ln 2) is no secret
        assert not [n for n, t in texts.items() if secret in t], secret[:40]


def test_bundle_checks_the_stubs_without_the_repository(bundle: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-I", "-c", BOOT, str(bundle), "check", "exercises", "--lang", "en"],
        cwd=bundle, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = [ln.split() for ln in proc.stdout.splitlines() if re.match(r"ex\d\d_", ln)]
    public = {(e.id, c.name) for e in EXERCISES for c in e.checks if not c.hidden}
    assert {(r[0], r[1]) for r in rows} == public
    assert {" ".join(r[2:-1]) for r in rows} == {"not implemented"}  # result in words, then points
    assert f"0/{len(public)} public checks passed" in proc.stdout


def test_bundle_builds_a_wheel_without_solutions(bundle: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(bundle)], capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("deepgrade_student-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        checks = "\n".join(zf.read(n).decode() for n in sorted(names) if n.startswith("grader/checks/"))
    assert {"exercises/ex02_sigmoid.py", "grader/data/public_expected.json", "grader/engine/grader.ini",
            "grader/data/pretrained_public.json", "grader/nbgrader/deepgrade_check.py"} <= names
    assert not [n for n in names if n.startswith(("solutions/", "kernels/", "grader/reference/"))]
    assert "grader/checks/ex11_optimizers.py" in names
    assert "hidden=True" not in checks and "hidden(" not in checks


def test_no_implementation_of_a_graded_function_in_the_bundle(texts: dict[str, str]) -> None:
    graded = {name for e in EXERCISES for name in e.functions}
    graded |= {c.target for e in EXERCISES for c in e.checks if not c.target.startswith("harness.")}
    assert {"sigmoid", "adam_step", "adam_step_fused", "predict"} <= graded
    for name, text in texts.items():
        if not name.endswith(".py"):
            continue
        tree = ast.parse(text)
        nodes = list(ast.walk(tree))
        imported = {a.name.split(".")[0] for n in nodes if isinstance(n, ast.Import) for a in n.names}
        imported |= {(n.module or "").split(".")[0] for n in nodes if isinstance(n, ast.ImportFrom)}
        assert not imported & {"kernels", "solutions"}, (name, imported)
        if name.startswith("exercises/"):
            continue
        defined = {n.name for n in nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        assert not defined & graded, (name, defined & graded)
    assert "kernels" not in texts["README.md"]


def test_bundle_source_networks_are_the_instructor_s(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from grader import datasets
    from grader.expected import draw_inputs
    from grader.seeds import check_seed

    spec = importlib.util.spec_from_file_location("bundle_datasets", bundle / "grader" / "datasets.py")
    shipped = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shipped)
    (exercise,) = [e for e in EXERCISES if e.id == "ex15_transfer_learning"]
    public = [c for c in exercise.checks if not c.hidden]
    assert public
    for check in public:
        seed = check_seed(exercise.id, check.name, "", "", hidden=False)
        trained, _, _ = draw_inputs(exercise, check, seed)
        monkeypatch.setattr(datasets, "pretrain_digits", shipped.pretrain_digits)
        looked_up, _, _ = draw_inputs(exercise, check, seed)
        monkeypatch.undo()
        for key in ("Ws", "bs"):
            for a, b in zip(trained[key], looked_up[key], strict=True):
                np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="instructor"):
        shipped.pretrain_digits(np.zeros((4, 64)), np.array([0, 1, 0, 1]), hidden=3, seed=1)


def test_release_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(UsageError, match="not an empty folder"):
        build_bundle(tmp_path)

"""The checks catch the mistakes students make, in the hidden checks alone and in the public checks alone.

Each module of ``tests/exercises/mistakes/`` is the solution of one exercise with ONE mistake written the
way students write it (its one-line docstring says which). All of them are graded in one run of the real
engine (``deepgrade grade``, sandboxed children, one student per mistake), next to a control student who
holds the solutions. A mistake that keeps every point of its exercise under the hidden checks, or under the
public checks, is a hole in the checks: the test names it.

Timing checks are left out (``-m "not timing"``): a mistake must be caught by a correctness check.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from grader.registry import EXERCISES, by_id

ROOT = Path(__file__).resolve().parents[2]
MISTAKES = Path(__file__).resolve().parent / "mistakes"
FILES = sorted(MISTAKES.glob("ex*__*.py"))
CONTROL = "control_solutions"
SLOW_TO_TRAIN = ("ex14_train_digits", "ex15_transfer_learning")
CONTROL_EXERCISES = tuple(e.id for e in EXERCISES if e.id not in SLOW_TO_TRAIN)
CAUGHT = {"failed", "invalid", "error"}  # a wrong value, a malformed one, an exception in the student's code
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.MULTILINE)


def _exercise(path: Path) -> str:
    return path.stem.split("__")[0]


def _solved(exercise_id: str) -> str:
    return _MARKER.sub("", (ROOT / "solutions" / f"{exercise_id}.py").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the collection itself


def test_at_least_forty_mistakes_covering_every_exercise() -> None:
    per_exercise = defaultdict(int)
    for path in FILES:
        per_exercise[_exercise(path)] += 1
    assert len(FILES) >= 40
    assert set(per_exercise) == {e.id for e in EXERCISES}
    assert per_exercise["ex11_optimizers"] >= 3


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_mistake_is_one_complete_module_that_differs_from_the_solution(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    assert doc.startswith("Mistake: ") and "\n" not in doc, "state the mistake in a one-line docstring"
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(by_id(_exercise(path)).functions) <= defined
    solution = _solved(_exercise(path))
    body = source[source.index('"""', 3) + 3 :]
    assert body != solution[solution.index('"""', 3) + 3 :], "the module holds no mistake"


# --------------------------------------------------------------------------- inputs that make ties and zeros


def _tie_losses(inputs: dict) -> tuple[list[dict], list[float]]:
    from solutions.ex13_hyperparameter_search import train_and_score

    grid = inputs["grid"]
    combos = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    data = {k: inputs[k] for k in ("X_train", "y_train", "X_val", "y_val")}
    return combos, [train_and_score(**data, **c) for c in combos]


@pytest.mark.parametrize("name", ["grid_search_ties", "hidden_grid_search_ties_random"])
def test_the_tie_grids_tie_exactly_at_the_lowest_loss(name: str) -> None:
    """Every combination with ``lr = 0`` scores exactly log 2 and every trained one scores worse, so the
    first and the last best differ; for 40 draws of the inputs."""
    check = next(c for c in by_id("ex13_hyperparameter_search").checks if c.name == name)
    for seed in range(40):
        combos, losses = _tie_losses(dict(check.inputs(np.random.default_rng(seed))))
        best = min(losses)
        tied = [c for c, loss in zip(combos, losses, strict=True) if loss == best]
        assert best == pytest.approx(np.log(2.0), abs=1e-15)
        assert all(c["lr"] == 0.0 for c in tied) and len(tied) >= 2 and tied[0] != tied[-1]
        assert all(loss > best + 1e-6 for c, loss in zip(combos, losses, strict=True) if c["lr"] != 0.0)


def test_hidden_inputs_hold_exact_zeros_and_values_beyond_exp_range() -> None:
    rng = np.random.default_rng(7)
    checks = {(e.id, c.name): c for e in EXERCISES for c in e.checks}
    z = checks[("ex02_sigmoid", "hidden_random_array")].inputs(rng)["z"]
    assert np.sum(z == 0.0) >= 1 and np.sum(z < -710.0) >= 2 and np.sum(z > 710.0) >= 2
    assert checks[("ex02_sigmoid", "extreme_inputs")].target == "harness.sigmoid_without_overflow"
    for name in ("relu_grad", "leaky_relu_grad", "elu_grad"):
        assert np.sum(checks[("ex07_activations", f"hidden_{name}_random")].inputs(rng)["z"] == 0.0) == 3
    assert np.sum(checks[("ex01_perceptron", "hidden_step_random")].inputs(rng)["z"] == 0.0) >= 3
    softmax = checks[("ex07_activations", "hidden_softmax_random")].inputs(rng)["z"]
    assert softmax.max() > 710.0 and softmax.min() < -710.0


def test_the_overflow_scenario_raises_on_a_naive_sigmoid() -> None:
    import types

    from grader import harness

    naive = types.SimpleNamespace(sigmoid=lambda z: 1.0 / (1.0 + np.exp(-np.asarray(z))))
    with pytest.raises(FloatingPointError):
        harness.sigmoid_without_overflow(naive, np.array([-1000.0, 0.0]))
    stable = types.SimpleNamespace(sigmoid=lambda z: np.exp(-np.logaddexp(0.0, -np.asarray(z))))
    got = harness.sigmoid_without_overflow(stable, np.array([-1000.0, 0.0, 1000.0]))
    assert got.tolist() == [0.0, 0.5, 1.0]


# --------------------------------------------------------------------------- graded by the real engine


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[dict]]:
    """Every record of one ``deepgrade grade`` run, by (student, exercise)."""
    base = tmp_path_factory.mktemp("mistakes")
    subs, out, tmp = base / "subs", base / "out", base / "tmp"
    tmp.mkdir()
    for path in FILES:
        (subs / path.stem).mkdir(parents=True)
        (subs / path.stem / f"{_exercise(path)}.py").write_text(path.read_text(encoding="utf-8"))
    (subs / CONTROL).mkdir()
    for exercise_id in CONTROL_EXERCISES:
        (subs / CONTROL / f"{exercise_id}.py").write_text(_solved(exercise_id), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTHONPATH")}
    env.update(DEEPGRADE_SECRET="test-secret", TMPDIR=str(tmp))
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out), "--sandbox", "process",
           "-n", "1", "--timeout", "30", "--memory", "1024", "-m", "not timing", "--no-progress",
           "--lang", "en"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=base, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    records: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        records[(row["student"], row["exercise"])].append(row)
    return records


@pytest.mark.slow
def test_the_control_student_gets_every_point(journal: dict[tuple[str, str], list[dict]]) -> None:
    for exercise_id in CONTROL_EXERCISES:
        rows = journal[(CONTROL, exercise_id)]
        assert rows and [(r["check"], r["reason"]) for r in rows if r["outcome"] != "passed"] == []


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_mistake_loses_points_under_hidden_and_under_public_checks(
    journal: dict[tuple[str, str], list[dict]], path: Path
) -> None:
    rows = journal[(path.stem, _exercise(path))]
    assert {r["hidden"] for r in rows} == {False, True}, "both kinds of checks must have run"
    assert not [r for r in rows if r["outcome"] not in CAUGHT | {"passed"}], "the module itself is broken"
    for hidden, kind in ((True, "hidden"), (False, "public")):
        part = [r for r in rows if r["hidden"] is hidden]
        caught = [r["check"] for r in part if r["outcome"] in CAUGHT]
        assert caught, f"{path.stem} keeps all {sum(r['max_points'] for r in part):g} {kind} points"
        assert sum(r["points"] for r in part) < sum(r["max_points"] for r in part)

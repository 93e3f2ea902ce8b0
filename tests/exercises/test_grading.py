"""Grading the master copy gets every point; grading the generated stubs gets none."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from grader.inprocess import grade_directory
from grader.model import Outcome
from grader.registry import EXERCISES

ROOT = Path(__file__).resolve().parents[2]
TOTAL = sum(e.max_points for e in EXERCISES)
N_CHECKS = sum(len(e.checks) for e in EXERCISES)


@pytest.mark.parametrize("student", ["solutions", "alice", "bob"])
def test_solutions_get_every_point(student: str) -> None:
    results = grade_directory(ROOT / "solutions", student_id=student, secret="test-secret")
    failed = [
        (r.exercise, r.check, r.outcome.value, r.reason) for r in results if r.outcome is not Outcome.PASSED
    ]
    assert failed == []
    assert len(results) == N_CHECKS
    assert sum(r.points for r in results) == TOTAL
    assert all(r.message_en.endswith("passed.") for r in results)


def test_stubs_get_zero_and_every_check_is_not_implemented() -> None:
    results = grade_directory(ROOT / "exercises", student_id="stub", secret="test-secret")
    assert len(results) == N_CHECKS
    assert Counter(r.outcome for r in results) == Counter({Outcome.NOT_IMPLEMENTED: N_CHECKS})
    assert sum(r.points for r in results) == 0
    assert all("not implemented yet" in r.message_en for r in results)
    assert all("pas encore implémenté" in r.message_fr for r in results)


def test_public_only_skips_hidden_checks() -> None:
    results = grade_directory(ROOT / "solutions", public_only=True, only={"ex02_sigmoid"})
    assert [r.check for r in results] == ["report_values", "extreme_inputs", "grad_values"]
    assert not any(r.hidden for r in results)


def test_missing_module_and_syntax_error_are_recorded(tmp_path: Path) -> None:
    (tmp_path / "ex02_sigmoid.py").write_text("def sigmoid(z:\n", encoding="utf-8")
    (tmp_path / "ex03_two_layer_network.py").write_text("import no_such_module_xyz\n", encoding="utf-8")
    (tmp_path / "ex04_forward_pass.py").write_text("x = 1\n", encoding="utf-8")
    ids = {"ex01_perceptron", "ex02_sigmoid", "ex03_two_layer_network", "ex04_forward_pass"}
    outcomes = {(r.exercise, r.outcome) for r in grade_directory(tmp_path, only=ids)}
    assert outcomes == {
        ("ex01_perceptron", Outcome.MISSING),
        ("ex02_sigmoid", Outcome.SYNTAX_ERROR),
        ("ex03_two_layer_network", Outcome.IMPORT_ERROR),
        ("ex04_forward_pass", Outcome.MISSING),
    }


def test_wrong_answer_hard_coding_the_report_passes_public_and_fails_hidden(tmp_path: Path) -> None:
    (tmp_path / "ex03_two_layer_network.py").write_text(
        "def two_layer_network(x, w1, b1, w2, b2):\n    return 0.6225\n", encoding="utf-8"
    )
    results = {r.check: r for r in grade_directory(tmp_path, only={"ex03_two_layer_network"})}
    assert results["report_value"].outcome is Outcome.PASSED
    hidden = results["hidden_random_weights"]
    assert hidden.outcome is Outcome.FAILED
    assert hidden.reason.startswith("expected ") and "got 0.6225" in hidden.reason
    assert "1.4.1" in hidden.message_fr and "Indice" in hidden.message_fr

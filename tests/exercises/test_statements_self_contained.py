"""A statement is complete in the student bundle: it names no document the bundle lacks (the bundle ships
``exercises/`` and ``grader/``, not ``docs/``), and an exercise graded on a threshold states it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from grader.registry import EXERCISES

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("exercises", "grader")  # grader.release.TREES


def _statement_files() -> list[Path]:
    return sorted((ROOT / "exercises").glob("ex*.py")) + sorted((ROOT / "solutions").glob("ex*.py"))


@pytest.mark.parametrize("path", _statement_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_document_a_statement_names_ships_in_the_bundle(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for name in re.findall(r"\b([\w./-]+\.(?:md|rst|txt|pdf|ipynb))\b", text):
        assert name.split("/")[0] in SHIPPED and (ROOT / name).is_file(), f"{path.name} refers to {name}"
    assert "docs/" not in text


@pytest.mark.parametrize("exercise", [e for e in EXERCISES if any(c.compare.describe for c in e.checks)],
                         ids=lambda e: e.id)
def test_a_threshold_is_in_the_statement(exercise) -> None:
    doc = ast.get_docstring(ast.parse((ROOT / "exercises" / f"{exercise.id}.py").read_text("utf-8"))) or ""
    for check in exercise.checks:
        if check.compare.describe is None:
            continue
        percent = re.search(r"(\d+)%", check.compare.describe.en).group(1)
        assert f"{percent}%" in doc, f"{exercise.id}: {check.name} needs {percent}%, unsaid in the statement"

"""Every exercise's notebook in a real kernel: the instructor's source notebook (the solutions) earns every
point of every test cell, hidden ones included (drawn for the student named by ``DEEPGRADE_STUDENT``, as
outside ``nbgrader autograde``), with no stderr output; the student copy made by nbgrader's
own preprocessors fails every public test cell as "not implemented". All notebooks run one after the other
in one kernel (each exercise's test cells right after its own answer cells) to pay for one kernel start."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
from nbgrader.utils import determine_grade

from grader.nbgrader.build import HELPER, exercise_notebook
from grader.registry import EXERCISES

pytestmark = pytest.mark.slow


def _run_all(
    notebooks: list[nbformat.NotebookNode], folder: Path, env: dict[str, str], mp: pytest.MonkeyPatch
) -> list[nbformat.NotebookNode]:
    for key, value in env.items():
        mp.setenv(key, value)
    mp.setenv("DEEPGRADE_STUDENT", "ann")
    (folder / HELPER.name).write_bytes(HELPER.read_bytes())
    combined = nbformat.v4.new_notebook(metadata=copy.deepcopy(notebooks[0].metadata))
    for nb in notebooks:
        combined.cells.extend(copy.deepcopy(nb.cells))
    NotebookClient(combined, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return [c for c in combined.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _student(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    for pre in (ClearSolutions(), ClearHiddenTests()):
        nb, _ = pre.preprocess(nb, {})
    return nb


def test_every_source_notebook_earns_full_points_and_every_release_fails(
    jupyter_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    sources = [exercise_notebook(e) for e in EXERCISES]
    graded = _run_all(sources, tmp_path, jupyter_env, monkeypatch)
    assert len(graded) == sum(len(e.checks) for e in EXERCISES)
    for cell in graded:
        points = cell.metadata["nbgrader"]["points"]
        bad = [o for o in cell.outputs if o.output_type != "stream" or o.name == "stderr"]
        assert not bad and determine_grade(cell) == (points, points), (cell.source[:80], bad)
    released = _run_all([_student(nb) for nb in sources], tmp_path, jupyter_env, monkeypatch)
    public = {c.name for e in EXERCISES for c in e.checks if not c.hidden}
    failing = {cell.metadata["nbgrader"]["grade_id"] for cell in released if determine_grade(cell)[0] == 0}
    assert failing == public
    for cell in released:
        for out in cell.outputs:
            if out.output_type == "error":
                assert out.ename == "AssertionError" and out.evalue.startswith("deepgrade not_implemented: ")

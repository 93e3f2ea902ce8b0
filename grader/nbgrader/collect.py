"""Cross-grading nbgrader submissions with ``deepgrade grade``.

nbgrader runs the student's code and the checks in one kernel, so an answer cell can tamper with the
checks (``deepgrade_check.run_check = lambda *a: None``). ``deepgrade grade`` runs the same code in its
sandbox and judges it in the parent. Run with the same ``DEEPGRADE_SECRET`` as ``nbgrader autograde``,
``deepgrade grade`` draws each student's hidden inputs exactly as the notebook's hidden cells did (same
student id: the folder name; same ``grader.expected.make_case``), so for honest work both give the same
points check by check, hidden checks included (the round-trip test shows it), and any difference marks a
submission to look at.

``collect_submissions`` copies nbgrader's ``submitted/<student>/<assignment>/<notebook>.ipynb`` into
``OUT/<student>/<notebook>.ipynb``, the layout ``deepgrade grade`` reads; ``discrepancies`` lists the checks
whose points differ between the two sets of results.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.model import CheckResult


@dataclass(frozen=True)
class Discrepancy:
    """One check graded differently by nbgrader and by ``deepgrade grade`` (None: no record)."""

    student: str
    exercise: str
    check: str
    nbgrader_points: float | None
    deepgrade_points: float | None


def collect_submissions(
    course_dir: str | Path, out_dir: str | Path, students: Sequence[str] | None = None
) -> list[Path]:
    """Copy the submitted notebooks (of ``students``, default all) into ``out_dir``, one folder per
    student; returns the notebooks written. ``out_dir`` must be new or empty."""
    submitted = Path(course_dir) / "submitted"
    if not submitted.is_dir():
        raise UsageError(f"no nbgrader submissions folder: {submitted}")
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder: choose a new output folder")
    written = []
    for student in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if students is not None and student.name not in students:
            continue
        for notebook in sorted(student.glob("*/*.ipynb")):
            dest = out / student.name / notebook.name
            if dest.exists():
                raise UsageError(f"two notebooks named {notebook.name} for {student.name}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            written.append(Path(shutil.copyfile(notebook, dest)))
    if not written:
        raise UsageError(f"no submitted notebook in {submitted}")
    return written


def discrepancies(nbgrader: Iterable[CheckResult], deepgrade: Iterable[CheckResult]) -> list[Discrepancy]:
    """The checks, of the (student, exercise) pairs nbgrader graded, whose points differ."""
    ours = {(r.student, r.exercise, r.check): r.points for r in nbgrader}
    theirs = {(r.student, r.exercise, r.check): r.points for r in deepgrade}
    graded = {(s, e) for s, e, _ in ours}
    keys = sorted(set(ours) | {k for k in theirs if k[:2] in graded})
    return [
        Discrepancy(*key, ours.get(key), theirs.get(key)) for key in keys if ours.get(key) != theirs.get(key)
    ]

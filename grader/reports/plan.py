"""The plan of a grading run, ``<out>/plan.json``: for each student, the checks it is expected to have.

The controller writes it before grading anything (and merges it with an earlier plan when resuming or
regrading), so that the reports can tell a finished student from one whose run was interrupted: a student
with fewer recorded checks than planned is ``incomplete (86/88 checks)``, never a final total.
Format: ``{"students": {"<student>": ["<exercise>::<check>", ...]}}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from grader.errors import UsageError
from grader.model import CheckResult

PLAN_NAME = "plan.json"

Plan = dict[str, set[str]]


def check_key(exercise: str, check: str) -> str:
    """The key of one check in a plan."""
    return f"{exercise}::{check}"


def load_plan(out: Path) -> Plan | None:
    """The plan in the folder ``out`` (``None`` when there is none); a plan that does not read is a
    one-line ``UsageError``."""
    path = Path(out) / PLAN_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        students = data["students"]
        return {str(s): {str(k) for k in keys} for s, keys in students.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise UsageError(f"cannot read the plan {path}: {err}") from None


def plan_json(plan: Mapping[str, Iterable[str]]) -> str:
    """The text of ``plan.json`` (students and keys sorted, so equal plans give equal files)."""
    students = {s: sorted(set(keys)) for s, keys in sorted(plan.items())}
    return json.dumps({"students": students}, indent=1, ensure_ascii=False) + "\n"


def merge(*plans: Mapping[str, Iterable[str]] | None) -> Plan:
    """The union of ``plans``, student by student."""
    merged: Plan = {}
    for plan in plans:
        for student, keys in (plan or {}).items():
            merged.setdefault(student, set()).update(keys)
    return merged


def recorded(results: Iterable[CheckResult]) -> Plan:
    """The checks recorded for each student, as a plan."""
    found: Plan = {}
    for r in results:
        found.setdefault(r.student, set()).add(check_key(r.exercise, r.check))
    return found


def completeness(
    plan: Mapping[str, Iterable[str]] | None, done: Mapping[str, set[str]]
) -> dict[str, tuple[int, int]]:
    """Per student of the plan or of ``done`` (the recorded keys, see :func:`recorded`): (checks recorded,
    checks expected), the expected being the planned ones plus any recorded. Without a plan every student
    counts as complete."""
    plan = plan or {}
    students = set(done) | set(plan)
    return {s: (len(done.get(s, ())), len(set(plan.get(s, ())) | done.get(s, set()))) for s in students}

"""The grading state of one pytest process (controller or xdist worker), kept in ``config.stash``.

Intake runs once per run, in the controller: it sweeps the scratch folders of dead grading processes
(``grader.tempdirs``), rebuilds every submission in its intake folder and writes the result there
(``intake.json``: each submission's id, folder, kind, reason and per-exercise problems, and the skipped
entries). xdist workers receive that file's path in ``workerinput`` and read it instead of extracting
anything again; every process then builds the same plan from the same list, so the controller can map the
node ids that workers report back to (student, exercise, check). The controller turns SIGTERM into
``KeyboardInterrupt`` while it holds its intake folder, so that pytest's unconfigure removes it.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader import tempdirs
from grader.engine import settings
from grader.engine.backend import Backend, load_backend
from grader.engine.grading import Options, Planned, Pool, plan
from grader.errors import UsageError
from grader.intake import Intake, Submission, scan
from grader.sandbox import bwrap, procs

INTAKE_KEY = "deepgrade_intake"  # in a worker's workerinput: the controller's intake.json
INTAKE_NAME = "intake.json"


@dataclass
class State:
    backend: Backend
    options: Options
    submissions: dict[str, Submission]
    plan: list[Planned]
    work: Path | None  # the intake folder, owned by the controller only
    skipped: list[tuple[str, str]] = field(default_factory=list)
    sandbox_mode: str = "auto"
    backend_spec: str | None = None  # --grader-backend: what a Dask worker loads
    _pool: Pool | None = None
    _restore_sigterm: Callable[[], None] | None = None
    _selected: dict[str, tuple[Planned, ...]] | None = None

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            self._pool = Pool(self.backend, self.options)
        return self._pool

    def selected(self, config: pytest.Config) -> dict[str, tuple[Planned, ...]]:
        """Each submission's checks that this run grades (``grader.engine.selection``), computed once."""
        if self._selected is None:
            from grader.engine.selection import select

            self._selected = select(self.plan, config)
        return self._selected

    @property
    def intake_file(self) -> Path | None:
        return None if self.work is None else self.work / INTAKE_NAME

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self.work is not None:
            tempdirs.remove(self.work)
        if self._restore_sigterm is not None:
            self._restore_sigterm()


STATE_KEY = pytest.StashKey[State]()


def checks_of(item: Any) -> tuple[Planned, ...]:
    """The checks a grading item grades (empty for any other item)."""
    found = getattr(item, "checks", ())
    return found if isinstance(found, tuple) and all(isinstance(p, Planned) for p in found) else ()


def _selection(values: list[str] | None, known: list[str], what: str) -> set[str] | None:
    """The ``--grade-student``/``--grade-exercise`` values as a set (None: all); unknown ones are an error."""
    if not values:
        return None
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UsageError(f"unknown {what}: {', '.join(unknown)}")
    return set(values)


def submission_record(sub: Submission) -> dict[str, Any]:
    """A submission as plain JSON data (``submission_from`` reads it back)."""
    return {"id": sub.id, "path": None if sub.path is None else str(sub.path), "kind": sub.kind,
            "reason": sub.reason, "problems": dict(sub.problems)}


def submission_from(record: dict[str, Any]) -> Submission:
    path = record.get("path")
    return Submission(str(record["id"]), None if path is None else Path(path), str(record["kind"]),
                      str(record.get("reason", "")), {str(k): str(v) for k, v in record["problems"].items()})


def write_intake(found: Intake, path: Path) -> None:
    data = {"submissions": [submission_record(s) for s in found.submissions],
            "skipped": [list(pair) for pair in found.skipped]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def read_intake(path: Path) -> Intake:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Intake([submission_from(r) for r in data["submissions"]], [tuple(p) for p in data["skipped"]])


def build_state(config: pytest.Config) -> State:
    opt = config.option
    workerinput = getattr(config, "workerinput", None)
    backend = load_backend(opt.grader_backend)
    exercises = _selection(getattr(opt, "grade_exercises", None), list(backend.module_names), "exercise")
    students = getattr(opt, "grade_students", None) or None
    launcher, warning = bwrap.resolve(opt.grader_sandbox)
    if workerinput is not None and workerinput.get(INTAKE_KEY):
        found, work, restore = read_intake(Path(workerinput[INTAKE_KEY])), None, None
    else:
        procs.harden_grader()  # what a lost worker's sandbox children leave comes back to this process
        tempdirs.sweep_stale()
        backend.check_ready(hidden=not opt.public_only)
        restore = tempdirs.interrupt_on_sigterm()
        work = tempdirs.make("intake", remove_at_exit=True)
        try:
            found = scan(Path(opt.submissions), backend.module_names, work,
                         functions={e.id: e.functions for e in backend.exercises},
                         select=set(students) if students else None)
            write_intake(found, work / INTAKE_NAME)
        except BaseException:
            tempdirs.remove(work)
            restore()
            raise
        if warning:
            warnings.warn(warning, RuntimeWarning, stacklevel=1)
    chosen = _selection(students, [s.id for s in found.submissions], "student")
    options = Options(limits=settings.limits(opt), timeout_s=opt.grader_timeout, public_only=opt.public_only,
                      launcher=launcher)
    subs = found.submissions
    planned = plan(subs, backend.exercises, options.public_only, students=chosen, exercise_ids=exercises)
    return State(backend, options, {s.id: s for s in subs}, planned, work, found.skipped,
                 sandbox_mode=opt.grader_sandbox, backend_spec=opt.grader_backend,
                 _restore_sigterm=restore)


def get_state(config: pytest.Config) -> State:
    return config.stash[STATE_KEY]

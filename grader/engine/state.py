"""The grading state of one pytest process (controller or xdist worker), kept in ``config.stash``.

Every process runs the same intake and builds the same plan, so the controller can map the node ids
that workers report back to (student, exercise, check) without collecting anything itself. The
controller first sweeps the scratch folders of dead grading processes (``grader.tempdirs``); every
process turns SIGTERM into ``KeyboardInterrupt`` while it holds its intake folder, so that pytest's
unconfigure removes it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader import tempdirs
from grader.engine.backend import Backend, load_backend
from grader.engine.grading import Options, Planned, Pool, plan
from grader.errors import UsageError
from grader.intake import Submission, scan
from grader.sandbox import Limits, bwrap, procs


@dataclass
class State:
    backend: Backend
    options: Options
    submissions: dict[str, Submission]
    plan: list[Planned]
    work: Path
    by_pid: dict[str, Planned] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    _pool: Pool | None = None
    _restore_sigterm: Callable[[], None] | None = None

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            self._pool = Pool(self.backend, self.options)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        tempdirs.remove(self.work)
        if self._restore_sigterm is not None:
            self._restore_sigterm()


STATE_KEY = pytest.StashKey[State]()


def _selection(values: list[str] | None, known: list[str], what: str) -> set[str] | None:
    """The ``--grade-student``/``--grade-exercise`` values as a set (None: all); unknown ones are an error."""
    if not values:
        return None
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UsageError(f"unknown {what}: {', '.join(unknown)}")
    return set(values)


def build_state(config: pytest.Config) -> State:
    opt = config.option
    worker = hasattr(config, "workerinput")
    if not worker:
        procs.harden_grader()  # what a lost worker's sandbox children leave comes back to this process
        tempdirs.sweep_stale()
    backend = load_backend(opt.grader_backend)
    backend.check_ready(hidden=not opt.public_only)
    exercises = _selection(getattr(opt, "grade_exercises", None), list(backend.module_names), "exercise")
    restore = tempdirs.interrupt_on_sigterm()
    work = tempdirs.make("intake", remove_at_exit=True)
    try:
        students = getattr(opt, "grade_students", None) or None
        found = scan(Path(opt.submissions), backend.module_names, work,
                     functions={e.id: e.functions for e in backend.exercises},
                     select=set(students) if students else None)
        students = _selection(students, [s.id for s in found.submissions], "student")
        launcher, warning = bwrap.resolve(opt.grader_sandbox)
    except BaseException:
        tempdirs.remove(work)
        restore()
        raise
    if warning and not worker:
        warnings.warn(warning, RuntimeWarning, stacklevel=1)
    options = Options(limits=Limits(memory_mb=opt.grader_memory, threads=opt.grader_threads,
                                    budget_s=opt.grader_budget, disk_mb=opt.grader_disk),
                      timeout_s=opt.grader_timeout, public_only=opt.public_only, launcher=launcher)
    subs = found.submissions
    planned = plan(subs, backend.exercises, options.public_only, students=students, exercise_ids=exercises)
    return State(backend, options, {s.id: s for s in subs}, planned, work, {p.pid: p for p in planned},
                 found.skipped, _restore_sigterm=restore)


def get_state(config: pytest.Config) -> State:
    return config.stash[STATE_KEY]

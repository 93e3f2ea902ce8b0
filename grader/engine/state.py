"""The grading state of one pytest process (controller or xdist worker), kept in ``config.stash``.

Every process runs the same intake and builds the same plan, so the controller can map the node ids
that workers report back to (student, exercise, check) without collecting anything itself.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.engine.backend import Backend, load_backend
from grader.engine.grading import Options, Planned, Pool, plan
from grader.intake import Submission, find_submissions
from grader.sandbox import Limits, bwrap


@dataclass
class State:
    backend: Backend
    options: Options
    submissions: dict[str, Submission]
    plan: list[Planned]
    work: Path
    by_pid: dict[str, Planned] = field(default_factory=dict)
    _pool: Pool | None = None

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            self._pool = Pool(self.backend, self.options)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        shutil.rmtree(self.work, ignore_errors=True)


STATE_KEY = pytest.StashKey[State]()


def build_state(config: pytest.Config) -> State:
    opt = config.option
    backend = load_backend(opt.grader_backend)
    work = Path(tempfile.mkdtemp(prefix="deepgrade-intake-"))
    subs = find_submissions(Path(opt.submissions), backend.module_names, work)
    limits = Limits(memory_mb=opt.grader_memory, threads=opt.grader_threads)
    launcher, warning = bwrap.resolve(opt.grader_sandbox)
    if warning and not hasattr(config, "workerinput"):
        warnings.warn(warning, RuntimeWarning, stacklevel=1)
    options = Options(limits=limits, timeout_s=opt.grader_timeout, public_only=opt.public_only,
                      launcher=launcher)
    planned = plan(subs, backend.exercises, options.public_only)
    return State(backend, options, {s.id: s for s in subs}, planned, work, {p.pid: p for p in planned})


def get_state(config: pytest.Config) -> State:
    return config.stash[STATE_KEY]

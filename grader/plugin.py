"""The deepgrade pytest plugin (shaped like pytest-timeout: options, configure, hooks).

``pytest -p grader.plugin --submissions DIR [-n 2 --dist loadgroup]`` grades every submission of ``DIR``:
the plugin points the session at ``grader/engine/test_submissions.py``, whose items are the registry's
checks parametrised by submission. Every process (controller and xdist workers) runs the same intake
and plan; workers grade, and the controller collects each outcome from ``report.user_properties`` and
appends it to the results journal ``<out>/results.jsonl`` as soon as a submission's last item is in, one
flushed and fsynced write per submission. Items that produced no record (a grader error, a worker lost)
are journaled as such, never dropped. ``--resume`` deselects the checks the journal already holds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from grader.engine.grading import Planned, failure_result
from grader.engine.state import STATE_KEY, build_state, get_state
from grader.errors import UsageError
from grader.model import CheckResult, Outcome

ENGINE_DIR = Path(__file__).resolve().parent / "engine"
TEST_MODULE = ENGINE_DIR / "test_submissions.py"
INI = ENGINE_DIR / "grader.ini"
RESULT_KEY = "deepgrade_result"
SEEDS_NAME = "seeds.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deepgrade", "grading submissions with deepgrade")
    group.addoption("--submissions", default=None, help="grade every submission in this folder")
    group.addoption("--grade-out", default="reports", help="folder of the results journal (default reports/)")
    group.addoption("--grade-timeout", dest="grader_timeout", type=float, default=None,
                    help="wall-clock limit of every call in seconds (default: each check's own)")
    group.addoption("--grade-memory", dest="grader_memory", type=int, default=2048,
                    help="address-space limit of a sandbox child in MB (default 2048)")
    group.addoption("--grade-threads", dest="grader_threads", type=int, default=1,
                    help="threads a child may use for Numba/BLAS (default 1)")
    group.addoption("--public-only", action="store_true", default=False, help="grade public checks only")
    group.addoption("--grade-sandbox", dest="grader_sandbox", choices=("auto", "bwrap", "process"),
                    default="auto", help="isolation of the children: bubblewrap namespaces, process-level "
                    "only, or bubblewrap when it runs here (default auto)")
    group.addoption("--resume", action="store_true", default=False,
                    help="keep the journal and grade only the checks it does not hold")
    group.addoption("--grade-student", dest="grade_students", action="append", default=None, metavar="ID",
                    help="grade only this student id (repeatable); -k/-m never match students")
    group.addoption("--grade-exercise", dest="grade_exercises", action="append", default=None,
                    metavar="EXERCISE", help="grade only this exercise, e.g. ex02_sigmoid (repeatable)")
    group.addoption("--grader-backend", default=None, help=argparse.SUPPRESS)


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): the check is worth n points")
    config.addinivalue_line("markers", "public: a public check (same inputs for every student)")
    config.addinivalue_line("markers", "hidden: a hidden check (inputs seeded by the secret and student id)")
    config.addinivalue_line("markers", "timing: the check races the reference module")
    if not config.option.submissions:
        return
    try:
        config.stash[STATE_KEY] = build_state(config)
    except UsageError as err:
        raise pytest.UsageError(str(err)) from None
    config.args[:] = [str(TEST_MODULE)]
    if not is_worker(config):
        config.pluginmanager.register(Collector(config), "deepgrade-collector")


def pytest_unconfigure(config: pytest.Config) -> None:
    if STATE_KEY in config.stash:
        config.stash[STATE_KEY].close()


def done_keys(journal: Path) -> set[tuple[str, str, str]]:
    """(student, exercise, check) already in a journal."""
    from grader.reports import load_results

    if not journal.is_file():
        return set()
    return {(r.student, r.exercise, r.check) for r in load_results(journal)}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.option.submissions or not config.option.resume:
        return
    done = done_keys(Path(config.option.grade_out) / "results.jsonl")
    keep, drop = [], []
    for item in items:
        p = getattr(item, "callspec", None) and item.callspec.params.get("planned")
        (drop if p is not None and (p.student, p.exercise, p.check) in done else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def drop_partial_line(journal: Path) -> None:
    """Cut a journal back to its last complete line (a run killed while appending), so that a resumed
    run appends after whole records only."""
    if not journal.is_file():
        return
    with journal.open("rb+") as fh:
        data = fh.read()
        if data and not data.endswith(b"\n"):
            fh.truncate(data.rfind(b"\n") + 1)
            os.fsync(fh.fileno())


def _secret_digest(state: Any) -> str:
    return hashlib.sha256(state.backend.module.secret().encode("utf-8")).hexdigest()


def recorded_seeds(path: Path, state: Any) -> dict[str, int]:
    """The seeds of an earlier run in ``path`` (``seeds.json``); raises ``pytest.UsageError`` when that
    run used another secret, since resuming would mix two sets of hidden inputs."""
    if not path.is_file():
        return {}
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    if old.get("secret_sha256", _secret_digest(state)) != _secret_digest(state):
        raise pytest.UsageError(f"--resume: {path.parent} was graded with another DEEPGRADE_SECRET")
    return dict(old.get("seeds", {}))


def record_seeds(path: Path, state: Any, planned: list[Planned], earlier: dict[str, int]) -> None:
    """Write ``seeds.json``: the SHA-256 of the instructor's secret (never the secret) and the seed of
    every graded check (``grader.seeds.check_seed``), so any grade can be reproduced."""
    from grader.reports.files import atomic_write_text
    from grader.seeds import check_seed

    secret = state.backend.module.secret()
    seeds = dict(earlier)
    for p in planned:
        seeds[f"{p.student}::{p.exercise}::{p.check}"] = check_seed(p.exercise, p.check, p.student, secret,
                                                                     p.hidden)
    record = {"secret_sha256": _secret_digest(state), "derivation": "grader.seeds.check_seed", "seeds": seeds}
    atomic_write_text(path, json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def _pid(nodeid: str) -> str:
    inner = nodeid.split("[", 1)[1] if "[" in nodeid else ""
    return inner[: inner.rfind("]")] if "]" in inner else inner


class Collector:
    """Controller side: gathers every record, journals each submission when its last item is in."""

    def __init__(self, config: pytest.Config) -> None:
        from grader.reports import JOURNAL_NAME

        self.config = config
        self.state = get_state(config)
        self.out = Path(config.option.grade_out)
        self.journal = self.out / JOURNAL_NAME
        self.expected: dict[str, set[str]] = {}
        self.records: dict[str, CheckResult] = {}
        self.pending: dict[str, list[CheckResult]] = defaultdict(list)
        self.results: list[CheckResult] = []
        self.failed_checks = 0
        self.done_students: list[str] = []
        self.listeners: list[Any] = []
        self.earlier_seeds: dict[str, int] = {}

    # the items to expect, from the controller's own collection or the first xdist worker's
    def _expect(self, pids: list[str]) -> None:
        if self.expected:
            return
        chosen = [self.state.by_pid[pid] for pid in pids if pid in self.state.by_pid]
        for planned in chosen:
            self.expected.setdefault(planned.student, set()).add(planned.pid)
        record_seeds(self.out / SEEDS_NAME, self.state, chosen, self.earlier_seeds)
        for listener in self.listeners:
            listener.start(self)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._expect([_pid(item.nodeid) for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._expect([_pid(i) for i in ids])

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        if not self.config.option.resume and self.journal.exists():
            self.journal.unlink()
        drop_partial_line(self.journal)
        if self.config.option.resume:
            self.earlier_seeds = recorded_seeds(self.out / SEEDS_NAME, self.state)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        pid = _pid(report.nodeid)
        planned = self.state.by_pid.get(pid)
        if planned is None or pid in self.records:
            return
        payload = dict(report.user_properties).get(RESULT_KEY)
        if payload is not None:
            from grader.reports import from_record

            self._record(pid, planned, from_record(json.loads(payload)))
        elif report.failed:
            lost = report.when not in ("setup", "call", "teardown")
            outcome = Outcome.CRASHED if lost else Outcome.ERROR
            text = str(getattr(report, "longreprtext", "") or "").strip().splitlines()
            why = "grading worker lost" if lost else f"grader error: {text[-1] if text else report.when}"
            self._record(pid, planned, failure_result(planned, outcome, why[:300]))

    def _record(self, pid: str, planned: Planned, result: CheckResult) -> None:
        self.records[pid] = result
        self.pending[planned.student].append(result)
        self.failed_checks += result.outcome is not Outcome.PASSED
        expected = self.expected.get(planned.student)
        if expected is not None and expected <= self.records.keys():
            self._flush(planned.student)

    def _flush(self, student: str) -> None:
        from grader.reports import append_results

        results = self.pending.pop(student, [])
        if not results:
            return
        append_results(self.journal, results)
        with self.journal.open("a") as fh:
            os.fsync(fh.fileno())
        self.results.extend(results)
        self.done_students.append(student)
        for listener in self.listeners:
            listener.update(self)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        for student in list(self.pending):
            self._flush(student)
        for listener in self.listeners:
            listener.close(self)

"""The deepgrade pytest plugin (shaped like pytest-timeout: options, configure, hooks).

``pytest -p grader.plugin --submissions DIR [-n 2 --dist loadgroup]`` grades every submission of ``DIR``:
the plugin points the session at ``grader/engine/test_submissions.py``, whose items are the registry's
checks parametrised by submission. Every process (controller and xdist workers) runs the same intake
and plan; workers grade, and the controller collects each outcome from ``report.user_properties`` and
appends it to the results journal ``<out>/results.jsonl`` as soon as a submission's last item is in, one
flushed and fsynced write per submission. Items that produced no record (a grader error, a worker lost)
are journaled as such, never dropped.

An output folder that holds a journal is never overwritten silently: ``--resume`` deselects the checks the
journal already holds, ``--regrade`` grades the selection again and merges its records in (atomically),
``--fresh`` renames the old journal, plan and seeds beside them with a timestamp; without one of them the
run is refused. Before grading, the controller writes ``<out>/plan.json`` (``grader.reports.plan``), the
checks each student is expected to have, so that reports mark an unfinished student ``incomplete``. A
journal write that fails (a full disk) stops the run cleanly, keeping what was journaled. The instructor's
secret leaves the environment on the controller and reaches xdist workers over their channel
(``workerinput``), never through an environment that ``/proc`` shows.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from grader.engine.grading import Planned, failure_result
from grader.engine.state import STATE_KEY, build_state, get_state
from grader.errors import UsageError
from grader.model import RESULT_KEY, CheckResult, Outcome

ENGINE_DIR = Path(__file__).resolve().parent / "engine"
TEST_MODULE = ENGINE_DIR / "test_submissions.py"
INI = ENGINE_DIR / "grader.ini"
SEEDS_NAME = "seeds.json"
SECRET_KEY = "deepgrade_secret"  # in a worker's workerinput
WORKER_LOST = "grading worker lost"
JOURNAL_MODES = ("resume", "regrade", "fresh")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deepgrade", "grading submissions with deepgrade")
    group.addoption("--submissions", default=None, help="grade every submission in this folder")
    group.addoption("--grade-out", default="reports", help="folder of the results journal (default reports/)")
    group.addoption("--grade-timeout", dest="grader_timeout", type=float, default=None,
                    help="wall-clock limit of every call in seconds (default: each check's own)")
    group.addoption("--grade-memory", dest="grader_memory", type=int, default=2048,
                    help="address-space limit of a sandbox child in MB (default 2048)")
    group.addoption("--grade-budget", dest="grader_budget", type=float, default=300.0,
                    help="wall time of all calls of one submission together, in seconds (default 300)")
    group.addoption("--grade-disk", dest="grader_disk", type=int, default=256,
                    help="what one submission's sandbox may write, in MB (default 256)")
    group.addoption("--grade-threads", dest="grader_threads", type=int, default=1,
                    help="threads a child may use for Numba/BLAS (default 1)")
    group.addoption("--public-only", action="store_true", default=False, help="grade public checks only")
    group.addoption("--grade-sandbox", dest="grader_sandbox", choices=("auto", "bwrap", "process"),
                    default="auto", help="isolation of the children: bubblewrap namespaces, process-level "
                    "only, or bubblewrap when it runs here (default auto)")
    group.addoption("--resume", action="store_true", default=False,
                    help="keep the journal and grade only the checks it does not hold")
    group.addoption("--regrade", action="store_true", default=False,
                    help="grade the selected checks again and replace only their records in the journal")
    group.addoption("--fresh", action="store_true", default=False,
                    help="start a new journal; the old one is renamed beside it with a timestamp")
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
    if is_worker(config):
        receive_secret(config)
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
    if not is_worker(config):
        from grader import tempdirs
        from grader.sandbox import procs

        procs.sweep_orphans()  # sandbox children of a lost worker came back to this subreaper
        tempdirs.sweep_stale()  # and a lost worker's scratch folders hold copies of students' code


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


def journal_mode(option: Any) -> str:
    """``resume``, ``regrade``, ``fresh`` or ``new`` (none asked); asking for two is a usage error."""
    asked = [mode for mode in JOURNAL_MODES if getattr(option, mode, False)]
    if len(asked) > 1:
        raise pytest.UsageError(f"choose one of --{' / --'.join(asked)}")
    return asked[0] if asked else "new"


def holds_journal(journal: Path) -> bool:
    """Whether ``journal`` holds at least one byte (an empty one is the trace of a run that graded
    nothing, and may be started over)."""
    try:
        return journal.stat().st_size > 0
    except OSError:
        return False


def refusal(out: Path) -> str:
    """The one-line reason a run into a folder holding a journal is refused without a mode."""
    return (f"{out} holds a graded run ({out.name}/results.jsonl): use --resume to grade what it lacks, "
            "--regrade to grade the selected submissions again, or --fresh to start over (the old journal "
            "is kept beside it)")


def archive(out: Path, names: tuple[str, ...]) -> list[Path]:
    """Rename each of ``names`` in ``out`` to ``<stem>-<UTC timestamp>[-n]<suffix>`` (the same stamp for
    all, never over an existing file); returns the new paths."""
    present = [out / name for name in names if (out / name).exists()]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for attempt in range(1000):
        tag = stamp if attempt == 0 else f"{stamp}-{attempt}"
        targets = [p.with_name(f"{p.stem}-{tag}{p.suffix}") for p in present]
        if not any(t.exists() for t in targets):
            break
    for path, target in zip(present, targets, strict=True):
        os.rename(path, target)
    return targets


def _secret_digest(state: Any) -> str:
    return hashlib.sha256(state.backend.module.secret().encode("utf-8")).hexdigest()


def recorded_seeds(path: Path, state: Any, mode: str = "resume") -> dict[str, int]:
    """The seeds of an earlier run in ``path`` (``seeds.json``); raises ``pytest.UsageError`` when that
    run used another secret, since resuming or regrading would mix two sets of hidden inputs."""
    if not path.is_file():
        return {}
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    if old.get("secret_sha256", _secret_digest(state)) != _secret_digest(state):
        raise pytest.UsageError(f"--{mode}: {path.parent} was graded with another DEEPGRADE_SECRET")
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


def receive_secret(config: pytest.Config) -> None:
    """Worker side: hold the secret the controller sent in ``workerinput`` (never the environment)."""
    from grader.seeds import use_secret

    value = config.workerinput.pop(SECRET_KEY, None)  # type: ignore[attr-defined]
    if value:
        use_secret(value)


def _pid(nodeid: str) -> str:
    inner = nodeid.split("[", 1)[1] if "[" in nodeid else ""
    return inner[: inner.rfind("]")] if "]" in inner else inner


class Collector:
    """Controller side: keeps the journal safe (modes, plan, seeds), gathers every record and journals
    each submission when its last item is in."""

    def __init__(self, config: pytest.Config) -> None:
        from grader.reports import JOURNAL_NAME
        from grader.seeds import take_secret_from_environment

        take_secret_from_environment()
        self.config = config
        self.state = get_state(config)
        self.out = Path(config.option.grade_out)
        self.journal = self.out / JOURNAL_NAME
        self.mode = journal_mode(config.option)
        self.expected: dict[str, set[str]] = {}
        self.records: dict[str, CheckResult] = {}
        self.pending: dict[str, list[CheckResult]] = defaultdict(list)
        self.results: list[CheckResult] = []
        self.failed_checks = 0
        self.done_students: list[str] = []
        self.listeners: list[Any] = []
        self.earlier_seeds: dict[str, int] = {}
        self.earlier_plan: dict[str, set[str]] = {}
        self.planned = False
        self.retrying: set[str] = set()
        self.interrupted = False
        self.stop_reason: str | None = None
        self.archived: list[Path] = []
        workers = getattr(config.option, "numprocesses", None)
        if isinstance(workers, int) and workers > 0 and getattr(config.option, "maxworkerrestart", 0) is None:
            # each submission can cost at most two lost workers (RetryOnceGroupScheduling)
            config.option.maxworkerrestart = str(2 * len(self.state.submissions) + 4 * workers)

    def _stop(self, what: str, err: OSError) -> None:
        """End the run at once, keeping what was journaled (a full disk, a folder gone)."""
        self.stop_reason = f"cannot write {what}: {err.strerror or err}"
        pytest.exit(self.stop_reason, returncode=int(pytest.ExitCode.INTERRUPTED))

    def _earlier_plan(self) -> dict[str, set[str]]:
        from grader.errors import UsageError
        from grader.reports import load_plan, load_results
        from grader.reports.plan import recorded

        try:
            plan = load_plan(self.out)
            if plan is None and holds_journal(self.journal):
                plan = recorded(load_results(self.journal))
        except UsageError as err:
            raise pytest.UsageError(str(err)) from None
        return plan or {}

    # the items to expect, from the controller's own collection or the first xdist worker's
    def _expect(self, pids: list[str]) -> None:
        from grader.reports.files import atomic_write_text
        from grader.reports.plan import PLAN_NAME, check_key, merge, plan_json

        if self.planned:
            return
        self.planned = True
        chosen = [self.state.by_pid[pid] for pid in pids if pid in self.state.by_pid]
        this_run: dict[str, set[str]] = {}
        for planned in chosen:
            self.expected.setdefault(planned.student, set()).add(planned.pid)
            this_run.setdefault(planned.student, set()).add(check_key(planned.exercise, planned.check))
        plan = merge(self.earlier_plan, this_run)
        try:
            atomic_write_text(self.out / PLAN_NAME, plan_json(plan))
            record_seeds(self.out / SEEDS_NAME, self.state, chosen, self.earlier_seeds)
        except OSError as err:
            self._stop(f"the plan and seeds in {self.out}", err)
        for listener in self.listeners:
            listener.start(self)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._expect([_pid(item.nodeid) for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._expect([_pid(i) for i in ids])

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        from grader.seeds import held_secret

        if held_secret() is not None:
            node.workerinput[SECRET_KEY] = held_secret()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "loadgroup":
            return None
        from grader.engine.scheduling import RetryOnceGroupScheduling

        return RetryOnceGroupScheduling(config, log, self._retry, self._lost)

    def _retry(self, nodeid: str) -> None:
        self.retrying.add(_pid(nodeid))

    def _lost(self, nodeids: list[str]) -> None:
        for nodeid in nodeids:
            pid = _pid(nodeid)
            planned = self.state.by_pid.get(pid)
            if planned is not None and pid not in self.records:
                self._record(pid, planned, failure_result(planned, Outcome.CRASHED, WORKER_LOST))

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.mode in ("resume", "regrade"):  # before anything is touched: another secret is refused
            self.earlier_seeds = recorded_seeds(self.out / SEEDS_NAME, self.state, self.mode)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            if self.mode == "fresh":
                from grader.reports.plan import PLAN_NAME

                self.archived = archive(self.out, (self.journal.name, PLAN_NAME, SEEDS_NAME))
            elif self.mode == "new":
                if holds_journal(self.journal):
                    raise pytest.UsageError(refusal(self.out))
                if self.journal.exists():
                    self.journal.unlink()
            else:
                drop_partial_line(self.journal)
        except OSError as err:
            self._stop(f"the journal in {self.out}", err)
        if self.mode in ("resume", "regrade"):
            self.earlier_plan = self._earlier_plan()

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
            if lost and pid in self.retrying:
                self.retrying.discard(pid)  # the scheduler runs it again on another worker
                return
            outcome = Outcome.CRASHED if lost else Outcome.ERROR
            text = str(getattr(report, "longreprtext", "") or "").strip().splitlines()
            why = WORKER_LOST if lost else f"grader error: {text[-1] if text else report.when}"
            self._record(pid, planned, failure_result(planned, outcome, why[:300]))

    def _record(self, pid: str, planned: Planned, result: CheckResult) -> None:
        result = redact_secret(result)
        self.records[pid] = result
        self.pending[planned.student].append(result)
        self.failed_checks += result.outcome is not Outcome.PASSED
        expected = self.expected.get(planned.student)
        if expected is not None and expected <= self.records.keys():
            self._flush(planned.student)

    def _flush(self, student: str) -> None:
        from grader.reports import append_results

        if self.stop_reason is not None:
            return
        results = self.pending.get(student, [])
        if not results:
            return
        try:
            append_results(self.journal, results)
        except OSError as err:
            self._stop(f"the journal {self.journal}", err)
        self.pending.pop(student, None)
        self.results.extend(results)
        self.done_students.append(student)
        for listener in self.listeners:
            listener.update(self)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.interrupted = isinstance(excinfo.value, KeyboardInterrupt)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from grader.reports import merge_journal

        try:
            if self.stop_reason is None:
                for student in list(self.pending):
                    self._flush(student)
            if self.mode == "regrade" and self.stop_reason is None and holds_journal(self.journal):
                merge_journal(self.journal)
        except pytest.exit.Exception:
            pass  # the reason is in stop_reason; every record journaled so far is kept
        except OSError as err:  # an unmerged journal still reads right: the last record of a check wins
            self.stop_reason = self.stop_reason or f"cannot merge the journal {self.journal}: {err.strerror}"
        finally:
            for listener in self.listeners:
                listener.close(self)


def redact_secret(result: CheckResult) -> CheckResult:
    """``result`` with the instructor's secret, should a submission have found it, cut out of its texts."""
    from grader.seeds import DEVELOPMENT_SECRET, secret

    value = secret()
    if value == DEVELOPMENT_SECRET or len(value) < 4:
        return result
    texts = {name: getattr(result, name) for name in ("reason", "message_fr", "message_en")}
    if not any(value in text for text in texts.values()):
        return result
    return dataclasses.replace(result, **{k: v.replace(value, "[secret removed]") for k, v in texts.items()})

"""The deepgrade pytest plugin (shaped like pytest-timeout: options, configure, hooks).

``pytest -p grader.plugin --submissions DIR [-n 2]`` grades every submission of ``DIR``: the plugin points
the session at ``grader/engine/test_submissions.py``, whose items (``SubmissionItem``) are the submissions,
each grading its selected checks with ``grader.engine.submission.grade_submission`` (``-k``/``-m`` select
checks, evaluated on each check by ``grader.engine.selection``; marks ``points``, ``public``/``hidden``,
``timing``). The controller runs the intake once and writes it to its scratch folder; xdist workers read it
from there (``grader.engine.state``); the grader's scheduler runs a submission again on another worker once
when its worker is lost (``grader.engine.scheduling``). With ``--grade-cluster local[:N]|tcp://HOST:PORT``
the controller instead sends one Dask task per submission (``grader.engine.cluster``) and feeds the records
back as the items' reports.

The controller collects each submission's records from its report's ``user_properties`` into the run's
``Journal`` (``grader.engine.journal``: the modes ``--resume``/``--regrade``/``--fresh``, ``plan.json`` and
``seeds.json``, one fsynced append per submission) and then drops them from the report. Checks that
produced no record (a worker lost) are journaled as such, never dropped. The instructor's secret leaves
the environment on the controller and reaches xdist workers over their channel (``workerinput``), never
through an environment that ``/proc`` shows.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from grader.engine import settings
from grader.engine.grading import Planned
from grader.engine.journal import (
    JOURNAL_MODES,
    SEEDS_NAME,
    WORKER_LOST,
    Journal,
    JournalStop,
    archive,
    done_keys,
    drop_partial_line,
    holds_journal,
    journal_mode,
    record_seeds,
    recorded_seeds,
    redact_secret,
    refusal,
)
from grader.engine.selection import take_expressions
from grader.engine.state import INTAKE_KEY, STATE_KEY, build_state, get_state
from grader.errors import UsageError
from grader.model import RESULT_KEY, CheckResult, Outcome

__all__ = ["ENGINE_DIR", "INI", "JOURNAL_MODES", "SEEDS_NAME", "TEST_MODULE", "WORKER_LOST", "Collector",
           "archive", "done_keys", "drop_partial_line", "holds_journal", "journal_mode", "record_seeds",
           "recorded_seeds", "redact_secret", "refusal"]

ENGINE_DIR = Path(__file__).resolve().parent / "engine"
TEST_MODULE = ENGINE_DIR / "test_submissions.py"
INI = ENGINE_DIR / "grader.ini"
SECRET_KEY = "deepgrade_secret"  # in a worker's workerinput


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deepgrade", "grading submissions with deepgrade")
    group.addoption("--submissions", default=None, help="grade every submission in this folder")
    group.addoption("--grade-out", default="reports", help="folder of the results journal (default reports/)")
    group.addoption("--grade-timeout", dest="grader_timeout", type=float, default=None,
                    help="wall-clock limit of every call in seconds (default: each check's own)")
    settings.add_options(group.addoption, cli=False)
    group.addoption("--public-only", action="store_true", default=False, help="grade public checks only")
    group.addoption("--grade-sandbox", dest="grader_sandbox", choices=("auto", "bwrap", "process"),
                    default="auto", help="isolation of the children: bubblewrap namespaces, process-level "
                    "only, or bubblewrap when it runs here (default auto)")
    group.addoption("--grade-cluster", dest="grade_cluster", default=None, metavar="local[:N]|tcp://HOST:PORT",
                    help="grade one submission per Dask task: a local cluster of N worker processes or an "
                    "existing scheduler (needs the cluster extra: pip install 'deepgrade[cluster]')")
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
    take_expressions(config)
    try:
        settings.check(config.option)
        config.stash[STATE_KEY] = build_state(config)
    except UsageError as err:
        raise pytest.UsageError(str(err)) from None
    config.args[:] = [str(TEST_MODULE)]
    if not is_worker(config):
        config.pluginmanager.register(Collector(config), "deepgrade-collector")
        if config.option.grade_cluster:
            from grader.engine.cluster import ClusterLoop

            config.pluginmanager.register(ClusterLoop(config), "deepgrade-cluster")


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.File | None:
    """The grading run's file becomes its plan (``grader.engine.test_submissions.CheckFile``)."""
    if not parent.config.option.submissions or module_path.resolve() != TEST_MODULE:
        return None
    from grader.engine.test_submissions import CheckFile

    return CheckFile.from_parent(parent, path=module_path)


def pytest_unconfigure(config: pytest.Config) -> None:
    if STATE_KEY in config.stash:
        config.stash[STATE_KEY].close()
    if not is_worker(config):
        from grader import tempdirs
        from grader.sandbox import procs

        procs.sweep_orphans()  # sandbox children of a lost worker came back to this subreaper
        tempdirs.sweep_stale()  # and a lost worker's scratch folders hold copies of students' code


def receive_secret(config: pytest.Config) -> None:
    """Worker side: hold the secret the controller sent in ``workerinput`` (never the environment)."""
    from grader.seeds import use_secret

    value = config.workerinput.pop(SECRET_KEY, None)  # type: ignore[attr-defined]
    if value:
        use_secret(value)


def _key(nodeid: str) -> str:
    """The submission key of a grading item's node id (``test_submission[s00012]``)."""
    inner = nodeid.split("[", 1)[1] if "[" in nodeid else ""
    return inner[: inner.rfind("]")] if "]" in inner else inner


class Collector:
    """Controller side: opens the run's ``Journal`` (modes, plan, seeds), gathers every record from the
    items' reports and journals each submission when its last item is in."""

    def __init__(self, config: pytest.Config) -> None:
        from grader.seeds import take_secret_from_environment

        take_secret_from_environment()
        self.config = config
        self.state = get_state(config)
        try:
            mode = journal_mode(config.option)
        except UsageError as err:
            raise pytest.UsageError(str(err)) from None
        self.journal = Journal(Path(config.option.grade_out), mode, self.state.backend.module.secret())
        self.out, self.mode = self.journal.out, mode
        self.retrying: set[str] = set()
        self.interrupted = False
        workers = getattr(config.option, "numprocesses", None)
        if isinstance(workers, int) and workers > 0 and getattr(config.option, "maxworkerrestart", 0) is None:
            # each submission can cost at most two lost workers (SubmissionScheduling)
            config.option.maxworkerrestart = str(2 * len(self.state.submissions) + 4 * workers)

    # what session.Outcome and the progress bar read
    @property
    def listeners(self) -> list[Any]:
        return self.journal.listeners

    @property
    def stop_reason(self) -> str | None:
        return self.journal.stop_reason

    @property
    def expected(self) -> dict[str, set[str]]:
        return self.journal.expected

    @property
    def failed_checks(self) -> int:
        return self.journal.failed_checks

    def _stopped(self, err: JournalStop) -> None:
        """End the run at once, keeping what was journaled (a full disk, a folder gone)."""
        pytest.exit(str(err), returncode=int(pytest.ExitCode.INTERRUPTED))

    def _checks(self, nodeid: str) -> tuple[Planned, ...]:
        return self.state.selected(self.config).get(_key(nodeid), ())

    # the checks to expect, from the controller's own collection or the first xdist worker's
    def _expect(self, nodeids: list[str]) -> None:
        try:
            self.journal.expect(p for nodeid in nodeids for p in self._checks(nodeid))
        except JournalStop as err:
            self._stopped(err)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._expect([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._expect(list(ids))

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        from grader.seeds import held_secret

        if held_secret() is not None:
            node.workerinput[SECRET_KEY] = held_secret()
        if self.state.intake_file is not None:
            node.workerinput[INTAKE_KEY] = str(self.state.intake_file)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") == "each":
            return None
        from grader.engine.scheduling import SubmissionScheduling

        return SubmissionScheduling(config, log, self._retry, self._lost)

    def _retry(self, nodeid: str) -> None:
        self.retrying.add(_key(nodeid))

    def _lost(self, nodeids: list[str]) -> None:
        for nodeid in nodeids:
            for planned in self._checks(nodeid):
                self._record(planned, None, WORKER_LOST)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        try:
            self.journal.open()
        except UsageError as err:
            raise pytest.UsageError(str(err)) from None
        except JournalStop as err:
            self._stopped(err)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        key, checks = _key(report.nodeid), self._checks(report.nodeid)
        missing = [p for p in checks if p.pid not in self.journal.records]
        if not missing:
            return
        payload = dict(report.user_properties).get(RESULT_KEY)
        if payload is not None:
            from grader.reports import from_record

            report.user_properties[:] = [(k, v) for k, v in report.user_properties if k != RESULT_KEY]
            results = [from_record(json.loads(line)) for line in payload.splitlines()]
            if len(results) == len(checks):
                for planned, result in zip(checks, results, strict=True):
                    self._record(planned, result)
                return
            why, outcome = f"grader error: {len(results)} records for {len(checks)} checks", Outcome.ERROR
        elif report.failed:
            lost = report.when not in ("setup", "call", "teardown")
            if lost and key in self.retrying:
                self.retrying.discard(key)  # the scheduler runs it again on another worker
                return
            text = str(getattr(report, "longreprtext", "") or "").strip().splitlines()
            why = WORKER_LOST if lost else f"grader error: {text[-1] if text else report.when}"
            outcome = Outcome.CRASHED if lost else Outcome.ERROR
        else:
            return
        for planned in missing:
            self._record(planned, None, why[:300], outcome)

    def _record(self, planned: Planned, result: CheckResult | None, why: str = "",
                outcome: Outcome = Outcome.CRASHED) -> None:
        from grader.engine.grading import failure_result

        try:
            self.journal.record(planned, result or failure_result(planned, outcome, why))
        except JournalStop as err:
            self._stopped(err)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.interrupted = isinstance(excinfo.value, KeyboardInterrupt)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.journal.finish()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        chosen = self.state.selected(self.config)
        selected = sum(map(len, chosen.values()))
        recorded = len(self.journal.records)
        passed = "" if self.config.option.collectonly else (
            f"{recorded - self.journal.failed_checks} of {recorded} checks passed; ")
        terminalreporter.write_line(
            f"deepgrade: {passed}{selected} checks of {len(chosen)} submissions selected, "
            f"{len(self.state.plan) - selected} left out (-k, -m, --resume)")

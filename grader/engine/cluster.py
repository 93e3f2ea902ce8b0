"""Grading on Dask: one task per submission (``deepgrade grade --cluster local[:N] | tcp://HOST:PORT``).

The pytest controller still plans (intake once, ``-k``/``-m``/``--student``/``-e``/``--resume`` selection,
``plan.json``, ``seeds.json``, the journal's modes); ``ClusterLoop`` replaces only its test loop. Each
submission with something to grade travels to a worker as bytes (a zip of the folder intake rebuilt, so
workers need no shared file system) with its planned checks, the run's settings and the instructor's
secret as task arguments (never an environment variable of the scheduler or the workers); the worker runs
``grade_submission`` (``grader.engine.submission``) in its own sandbox children and returns the records
as JSON lines. The controller turns each submission's records into its item's report as the future
completes, so the journal, the progress bar and the reports are those of a local run. At most ``WINDOW``
tasks (or 4 per worker thread; ``DEEPGRADE_CLUSTER_WINDOW`` sets another number) are in flight: each
submission is zipped when a slot frees, so neither the client nor the scheduler holds a MOOC's
submissions at once.

A worker that dies mid-task (killed, out of memory) has its task run again on another worker
``RETRIES`` time(s) (the scheduler's ``distributed.scheduler.allowed-failures``, set for a local cluster;
an existing scheduler keeps its own); after that the submission's checks are recorded ``crashed: grading
worker lost`` and the other submissions go on. A record arrives once per check: the journal keeps the
first (nothing is journaled twice). A local cluster has ``N`` single-threaded worker processes (default:
one per core) with no memory limit of Dask's own: each sandbox has its limits.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from grader import tempdirs
from grader.engine.backend import load_backend
from grader.engine.grading import Options, Planned, Pool
from grader.engine.journal import WORKER_LOST
from grader.engine.state import checks_of, get_state, submission_from, submission_record
from grader.engine.submission import grade_submission
from grader.errors import UsageError
from grader.model import RESULT_KEY, CheckResult, Outcome, to_json

RETRIES = 1  # runs again of a task whose worker died, before its submission is recorded lost
WINDOW = 64  # tasks in flight at least (4 per worker thread when there are more): zips are made as it goes
WINDOW_VARIABLE = "DEEPGRADE_CLUSTER_WINDOW"  # the controller's setting of the window, a number >= 1
INSTALL = "--cluster needs Dask: pip install 'deepgrade[cluster]' (dask[distributed])"


def parse_address(text: str) -> tuple[str, int | None]:
    """``("local", N)`` for ``local`` / ``local:N``, ``(address, None)`` for ``tcp://HOST:PORT`` (or
    ``tls://``); a one-line ``UsageError`` otherwise, or when Dask is not installed."""
    text = text.strip()
    if text == "local" or text.startswith("local:"):
        count = text.partition(":")[2] or str(os.cpu_count() or 1)
        if not (count.isdigit() and int(count) >= 1):
            raise UsageError(f"--cluster local:N expects a number of workers >= 1, got {text!r}")
        result: tuple[str, int | None] = ("local", int(count))
    elif text.startswith(("tcp://", "tls://")) and ":" in text.split("://", 1)[1]:
        result = (text, None)
    else:
        raise UsageError(f"--cluster expects local, local:N or tcp://HOST:PORT, got {text!r}")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError(INSTALL) from None
    return result


def pack(folder: Path) -> bytes:
    """The regular files under ``folder`` (what intake rebuilt) as a zip, paths relative to it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                zf.write(path, path.relative_to(folder).as_posix())
    return buf.getvalue()


def unpack(data: bytes, dest: Path) -> None:
    """Extract a ``pack`` zip in ``dest``, refusing any name that would leave it."""
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            parts = PurePosixPath(info.filename).parts
            if not parts or info.filename.startswith("/") or ".." in parts or info.is_dir():
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))


def task_spec(state: Any) -> dict[str, Any]:
    """The run's settings as plain data for a worker (``Options`` less its launcher, which the worker
    resolves itself from the sandbox mode)."""
    options = state.options
    return {"backend": state.backend_spec, "sandbox": state.sandbox_mode,
            "limits": dataclasses.asdict(options.limits), "timeout_s": options.timeout_s,
            "public_only": options.public_only}


_POOLS: dict[str, Pool] = {}


def _worker_pool(spec: dict[str, Any]) -> Pool:
    """This worker's pool for ``spec``: its reference children serve every task of the run."""
    from grader.sandbox import Limits, bwrap

    key = json.dumps(spec, sort_keys=True)
    if key not in _POOLS:
        launcher, _ = bwrap.resolve(spec["sandbox"])
        options = Options(limits=Limits(**spec["limits"]), timeout_s=spec["timeout_s"],
                          public_only=spec["public_only"], launcher=launcher)
        _POOLS[key] = Pool(load_backend(spec["backend"]), options)
    return _POOLS[key]


def grade_packed(packed: bytes, submission: dict[str, Any], checks: list[dict[str, Any]],
                 spec: dict[str, Any], secret: str | None) -> list[str]:
    """The Dask task: unpack one submission, grade its ``checks`` (``Planned`` fields) with the run's
    ``spec`` and ``secret``, and return the records as JSON lines (``grader.model.to_json``)."""
    from grader.sandbox import procs
    from grader.seeds import use_secret

    procs.harden_grader()
    use_secret(secret)
    work = tempdirs.make("intake")
    try:
        unpack(packed, work / "sub")
        sub = dataclasses.replace(submission_from(submission), path=work / "sub")
        planned = [Planned(**c) for c in checks]
        return [to_json(r) for r in grade_submission(_worker_pool(spec), sub, planned)]
    finally:
        use_secret(None)
        tempdirs.remove(work)


class _Connection:
    """A client of a new local cluster or of an existing scheduler; closes what it started."""

    def __init__(self, address: tuple[str, int | None]) -> None:
        import logging

        import dask
        from distributed import Client, LocalCluster

        self.cluster = None
        where, workers = address
        if where == "local":
            with dask.config.set({"distributed.scheduler.allowed-failures": RETRIES}):
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            memory_limit=0, dashboard_address=None,
                                            silence_logs=logging.CRITICAL)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(where, timeout="30s")
            except (OSError, TimeoutError) as err:
                raise pytest.UsageError(f"--cluster: cannot reach the Dask scheduler at {where}: "
                                        f"{' '.join(str(err).split())[:200]}") from None

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


class ClusterLoop:
    """The controller's test loop on Dask (module docstring); registered by ``grader.plugin``."""

    def __init__(self, config: pytest.Config) -> None:
        if getattr(config.option, "numprocesses", None):
            raise pytest.UsageError("--grade-cluster replaces -n: use one of them")
        try:
            self.address = parse_address(config.option.grade_cluster)
        except UsageError as err:
            raise pytest.UsageError(str(err)) from None
        self.config = config
        text = os.environ.get(WINDOW_VARIABLE, "").strip()
        if text and not (text.isdigit() and int(text) >= 1):
            raise pytest.UsageError(f"{WINDOW_VARIABLE} expects a number of tasks >= 1, got {text!r}")
        self.window = int(text) if text else None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(f"{session.testsfailed} error(s) during collection")
        if session.config.option.collectonly or not session.items:
            return True
        from grader.seeds import held_secret

        state = get_state(self.config)
        items = [item for item in session.items if checks_of(item)]
        remote = []
        for item in items:
            sub = state.submissions[checks_of(item)[0].student]
            if sub.path is None:  # nothing to run: the records say why, no sandbox starts
                self._report(item, grade_submission(state.pool, sub, list(checks_of(item))))
            else:
                remote.append(item)
        if not remote:
            return True
        from distributed import as_completed

        connection, futures = _Connection(self.address), {}
        try:
            spec, secret = task_spec(state), held_secret()
            todo = iter(remote)

            def submit_next() -> Any:
                item = next(todo, None)
                if item is None:
                    return None
                sub = state.submissions[checks_of(item)[0].student]
                checks = [dataclasses.asdict(p) for p in checks_of(item)]
                args = (pack(sub.path), submission_record(sub), checks, spec, secret)
                future = connection.client.submit(grade_packed, *args, pure=False)
                futures[future] = item
                return future

            window = self.window or max(WINDOW, 4 * sum(connection.client.nthreads().values()))
            started = [f for f in (submit_next() for _ in range(window)) if f is not None]
            done = as_completed(started)
            for future in done:
                item = futures.pop(future)
                self._report(item, self._results(future, item))
                following = submit_next()
                if following is not None:
                    done.add(following)
        finally:
            for future in futures:
                future.cancel()
            connection.close()
        return True

    @staticmethod
    def _results(future: Any, item: pytest.Item) -> list[CheckResult]:
        """The records of a finished task; a task that failed gives each check a record saying why."""
        from distributed import KilledWorker

        from grader.engine.grading import failure_result
        from grader.reports import from_record

        try:
            return [from_record(json.loads(line)) for line in future.result()]
        except KilledWorker:
            outcome, why = Outcome.CRASHED, WORKER_LOST
        except Exception as exc:
            outcome, why = Outcome.ERROR, " ".join(f"grader error: {type(exc).__name__}: {exc}".split())[:300]
        return [failure_result(p, outcome, why) for p in checks_of(item)]

    @staticmethod
    def _report(item: pytest.Item, results: list[CheckResult]) -> None:
        """The item's report, as if it had run here: the collector journals from it, the terminal shows
        it and the session counts failures."""
        failed = [f"{r.exercise}::{r.check}: {r.outcome}: {r.reason}" for r in results
                  if r.outcome is not Outcome.PASSED]
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        report = pytest.TestReport(
            item.nodeid, item.location, {k: 1 for k in item.keywords}, "failed" if failed else "passed",
            "\n".join(failed) or None, "call", duration=sum(r.duration_s for r in results),
            user_properties=[(RESULT_KEY, "\n".join(to_json(r) for r in results))],
        )
        item.ihook.pytest_runtest_logreport(report=report)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)

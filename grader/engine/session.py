"""Running a grading session: ``pytest.main`` in-process with the grader's own configuration.

pytest is pointed at ``grader/engine/test_submissions.py`` with ``-c grader/engine/grader.ini``,
``--rootdir`` in the grader, ``--noconftest`` and ``-p no:cacheprovider``: the submissions are data,
never collected, and no ``conftest.py``, ``pytest.ini`` or ``PYTEST_ADDOPTS`` can change the run. With
workers, ``-n N`` (the grader's scheduler keeps each submission on one worker); with a cluster,
``--grade-cluster local[:N]|tcp://HOST:PORT`` (one Dask task per submission).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader import plugin
from grader.engine import settings
from grader.engine.journal import Journal

SCRUBBED = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONPATH")


@dataclass
class Outcome:
    """What a session produced: pytest's exit code, whether it was interrupted (Ctrl-C, SIGTERM) and why
    it stopped early (a journal write that failed), if it did. The records are in the journal, which the
    reports read (none is kept in memory: a MOOC's run holds millions)."""

    exit_code: int
    interrupted: bool = False
    stop_reason: str | None = None


class Progress:
    """A tqdm bar on the controller: submissions done / total, failed checks so far."""

    def __init__(self) -> None:
        self.bar: Any = None

    def start(self, journal: Journal) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=len(journal.expected), unit="submission", desc="grading", leave=True)
        self.bar.set_postfix(failed_checks=0)

    def update(self, journal: Journal) -> None:
        if self.bar is not None:
            self.bar.set_postfix(failed_checks=journal.failed_checks, refresh=False)
            self.bar.update(1)

    def close(self, journal: Journal) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _Hook:
    """Attaches listeners to the controller's collector once pytest has configured."""

    def __init__(self, listeners: Sequence[Any]) -> None:
        self.listeners = list(listeners)
        self.collector: plugin.Collector | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.collector = config.pluginmanager.get_plugin("deepgrade-collector")
        if self.collector is not None:
            self.collector.listeners.extend(self.listeners)


def _autoloaded() -> bool:
    """Whether an installed ``pytest11`` entry point already loads ``grader.plugin``."""
    from importlib.metadata import entry_points

    return any(ep.value == "grader.plugin" for ep in entry_points(group="pytest11"))


def pytest_args(
    submissions: Path,
    *,
    out: Path,
    workers: str | int | None = None,
    cluster: str | None = None,
    timeout_s: float | None = None,
    limits: Any = None,
    public_only: bool = False,
    resume: bool = False,
    mode: str | None = None,
    backend: str | None = None,
    sandbox: str = "auto",
    quiet: bool = True,
    extra: Sequence[str] = (),
) -> list[str]:
    """The command line of a grading session. ``limits`` is a namespace holding the settings of
    ``grader.engine.settings`` (``deepgrade grade``'s arguments; None: the defaults). ``mode`` is how to
    treat a journal already in ``out``: ``resume``, ``regrade`` or ``fresh`` (``resume=True`` is
    ``mode="resume"``)."""
    args = [
        str(plugin.TEST_MODULE),
        "-c", str(plugin.INI),
        "--rootdir", str(plugin.ENGINE_DIR),
        "--noconftest",
        "-p", "no:cacheprovider",
        *([] if _autoloaded() else ["-p", "grader.plugin"]),
        "--submissions", str(submissions),
        "--grade-out", str(out),
        *settings.pytest_flags(limits),
        "--grade-sandbox", sandbox,
    ]
    if timeout_s is not None:
        args += ["--grade-timeout", str(timeout_s)]
    if public_only:
        args.append("--public-only")
    mode = mode or ("resume" if resume else None)
    if mode is not None:
        if mode not in plugin.JOURNAL_MODES:
            raise ValueError(f"unknown journal mode {mode!r}")
        args.append(f"--{mode}")
    if backend:
        args += ["--grader-backend", backend]
    if cluster:
        args += ["--grade-cluster", cluster]
    elif workers not in (None, 0, "0", 1, "1"):
        args += ["-n", str(workers)]
    if quiet:
        args += ["-p", "no:terminal"]
    return [*args, *extra]


def run(args: Sequence[str], *, progress: bool = False) -> Outcome:
    """Run pytest with ``args`` (see ``pytest_args``) in this process; returns the records."""
    saved = {k: os.environ.pop(k) for k in SCRUBBED if k in os.environ}
    hook = _Hook([Progress()] if progress else [])
    try:
        code = pytest.main(list(args), plugins=[hook])
    finally:
        os.environ.update(saved)
    collector = hook.collector
    if collector is None:
        return Outcome(int(code))
    return Outcome(int(code), collector.interrupted, collector.stop_reason)

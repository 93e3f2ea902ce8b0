"""The results journal of a grading run, on the side that decides (the pytest controller, the Dask client).

An output folder that holds a journal is never overwritten silently: ``resume`` keeps it (the plugin
deselects the checks it holds), ``regrade`` grades the selection again and merges its records in
(atomically, at the end), ``fresh`` renames the old journal, plan and seeds beside them with a timestamp;
without a mode the run is refused. Before grading, ``Journal.expect`` writes ``<out>/plan.json``
(``grader.reports.plan``: the checks each student is expected to have, so that reports mark an unfinished
student ``incomplete``) and ``<out>/seeds.json`` (the SHA-256 of the secret and each check's seed, so that
``--resume`` refuses another secret). ``Journal.record`` takes each check's record once (a second record
of the same check is ignored: nothing is journaled twice) and appends a submission's records in one
fsynced write when its last expected check is in. A journal write that fails (a full disk) raises
``JournalStop``, keeping every whole record journaled so far.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from grader.engine.grading import Planned, failure_result
from grader.errors import UsageError
from grader.model import CheckResult, Outcome

SEEDS_NAME = "seeds.json"
WORKER_LOST = "grading worker lost"
JOURNAL_MODES = ("resume", "regrade", "fresh")


class JournalStop(RuntimeError):
    """The journal, plan or seeds could not be written: grading must stop (``str(err)`` says why)."""


def done_keys(journal: Path) -> set[tuple[str, str, str]]:
    """(student, exercise, check) already in a journal."""
    from grader.reports import load_results

    if not journal.is_file():
        return set()
    return {(r.student, r.exercise, r.check) for r in load_results(journal)}


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
    """``resume``, ``regrade``, ``fresh`` or ``new`` (none asked); asking for two is a ``UsageError``."""
    asked = [mode for mode in JOURNAL_MODES if getattr(option, mode, False)]
    if len(asked) > 1:
        raise UsageError(f"choose one of --{' / --'.join(asked)}")
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


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def recorded_seeds(path: Path, secret: str, mode: str = "resume") -> dict[str, int]:
    """The seeds of an earlier run in ``path`` (``seeds.json``); raises ``UsageError`` when that run used
    another secret, since resuming or regrading would mix two sets of hidden inputs."""
    if not path.is_file():
        return {}
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    if old.get("secret_sha256", secret_digest(secret)) != secret_digest(secret):
        raise UsageError(f"--{mode}: {path.parent} was graded with another DEEPGRADE_SECRET")
    return dict(old.get("seeds", {}))


def record_seeds(path: Path, secret: str, planned: Iterable[Planned], earlier: dict[str, int]) -> None:
    """Write ``seeds.json``: the SHA-256 of the instructor's secret (never the secret) and the seed of
    every graded check (``grader.seeds.check_seed``), so any grade can be reproduced."""
    from grader.reports.files import atomic_write_text
    from grader.seeds import check_seed

    seeds = dict(earlier)
    for p in planned:
        seeds[f"{p.student}::{p.exercise}::{p.check}"] = check_seed(p.exercise, p.check, p.student, secret,
                                                                     p.hidden)
    record = {"secret_sha256": secret_digest(secret), "derivation": "grader.seeds.check_seed", "seeds": seeds}
    atomic_write_text(path, json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


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


class Journal:
    """One run's journal in ``out``: its mode, the plan and seeds, and every record, journaled per
    submission. ``listeners`` get ``start(journal)``, ``update(journal)`` per submission journaled and
    ``close(journal)`` (the progress bar)."""

    def __init__(self, out: Path, mode: str, secret: str) -> None:
        from grader.reports import JOURNAL_NAME

        self.out, self.mode, self.secret = Path(out), mode, secret
        self.journal = self.out / JOURNAL_NAME
        self.expected: dict[str, set[str]] = {}
        self.records: set[str] = set()  # the pids recorded (the records are in the journal)
        self.pending: dict[str, list[CheckResult]] = defaultdict(list)
        self.failed_checks = 0
        self.done_students: list[str] = []
        self.listeners: list[Any] = []
        self.earlier_seeds: dict[str, int] = {}
        self.earlier_plan: dict[str, set[str]] = {}
        self.planned = False
        self.stop_reason: str | None = None
        self.archived: list[Path] = []

    def _stop(self, what: str, err: OSError) -> JournalStop:
        self.stop_reason = f"cannot write {what}: {err.strerror or err}"
        return JournalStop(self.stop_reason)

    def open(self) -> None:
        """Before anything is graded: refuse another secret (resume, regrade), archive (fresh), refuse a
        journal without a mode (new), cut a torn last line (resume, regrade). ``UsageError`` or
        ``JournalStop``."""
        from grader.reports.plan import PLAN_NAME

        if self.mode in ("resume", "regrade"):
            self.earlier_seeds = recorded_seeds(self.out / SEEDS_NAME, self.secret, self.mode)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            if self.mode == "fresh":
                self.archived = archive(self.out, (self.journal.name, PLAN_NAME, SEEDS_NAME))
            elif self.mode == "new":
                if holds_journal(self.journal):
                    raise UsageError(refusal(self.out))
                if self.journal.exists():
                    self.journal.unlink()
            else:
                drop_partial_line(self.journal)
        except OSError as err:
            raise self._stop(f"the journal in {self.out}", err) from None
        if self.mode in ("resume", "regrade"):
            self.earlier_plan = self._earlier_plan()

    def _earlier_plan(self) -> dict[str, set[str]]:
        from grader.reports import load_plan, load_results
        from grader.reports.plan import recorded

        plan = load_plan(self.out)
        if plan is None and holds_journal(self.journal):
            plan = recorded(load_results(self.journal))
        return plan or {}

    def expect(self, chosen: Iterable[Planned]) -> None:
        """The checks this run grades (once): written to ``plan.json`` (merged with an earlier plan) and
        ``seeds.json``; listeners start."""
        from grader.reports.files import atomic_write_text
        from grader.reports.plan import PLAN_NAME, check_key, merge, plan_json

        if self.planned:
            return
        self.planned = True
        chosen = list(chosen)
        this_run: dict[str, set[str]] = {}
        for planned in chosen:
            self.expected.setdefault(planned.student, set()).add(planned.pid)
            this_run.setdefault(planned.student, set()).add(check_key(planned.exercise, planned.check))
        try:
            atomic_write_text(self.out / PLAN_NAME, plan_json(merge(self.earlier_plan, this_run)))
            record_seeds(self.out / SEEDS_NAME, self.secret, chosen, self.earlier_seeds)
        except OSError as err:
            raise self._stop(f"the plan and seeds in {self.out}", err) from None
        for listener in self.listeners:
            listener.start(self)

    def record(self, planned: Planned, result: CheckResult) -> None:
        """Keep ``result`` (the first record of a check only); journal its submission once complete."""
        if planned.pid in self.records:
            return
        result = redact_secret(result)
        self.records.add(planned.pid)
        self.pending[planned.student].append(result)
        self.failed_checks += result.outcome is not Outcome.PASSED
        expected = self.expected.get(planned.student)
        if expected is not None and expected <= self.records:
            self.flush(planned.student)

    def lost(self, planned: Planned, reason: str = WORKER_LOST) -> None:
        """Record ``planned`` as crashed for ``reason`` (a worker lost twice), unless it has a record."""
        self.record(planned, failure_result(planned, Outcome.CRASHED, reason))

    def flush(self, student: str) -> None:
        from grader.reports import append_results

        if self.stop_reason is not None:
            return
        # taken from pending before the write: an interrupt (SIGTERM, Ctrl-C) raised while the append
        # fsyncs must not leave them pending, or finish() would journal them a second time
        results = self.pending.pop(student, [])
        if not results:
            return
        try:
            append_results(self.journal, results)
        except OSError as err:
            raise self._stop(f"the journal {self.journal}", err) from None
        self.done_students.append(student)
        for listener in self.listeners:
            listener.update(self)

    def finish(self) -> None:
        """Journal what is pending and, for a regrade, merge the journal; listeners close. A failure is
        kept in ``stop_reason`` (every record journaled so far is kept)."""
        from grader.reports import merge_journal

        try:
            if self.stop_reason is None:
                for student in list(self.pending):
                    self.flush(student)
            if self.mode == "regrade" and self.stop_reason is None and holds_journal(self.journal):
                merge_journal(self.journal)
        except JournalStop:
            pass
        except OSError as err:  # an unmerged journal still reads right: the last record of a check wins
            self.stop_reason = self.stop_reason or f"cannot merge the journal {self.journal}: {err.strerror}"
        finally:
            for listener in self.listeners:
                listener.close(self)

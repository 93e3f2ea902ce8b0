"""Every hostile submission of ``submissions/`` (and the generated entries) graded with honest ones, once
under bubblewrap and once with process-level isolation, in one of two runs: ``sandbox`` (the registry's
exercises 1, 2 and 5, with a 4 s timeout and a 30 s budget per submission; the test also kills a grading
worker twice, as the OOM killer would) and ``numbers`` (exercises 9, 11, 14, 15 and 16, whose verdicts
rest on numbers a child could forge). The run ends within a bound set by its timeouts; honest
submissions (victims sorted before and after every hostile one, and students whose ids look like check
names or the grades table's header) get exactly their points; each hostile one gets exactly the points
of what it answers honestly (computed from the registry), with a recorded outcome and reason for what it
broke; nothing outside the sandboxes changed (journal, reports folder, grader, other submissions,
leftover processes, System V IPC objects, a daemon's Unix socket) and the secret reaches no report."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from adversarial_support import (
    BUDGET,
    ODD_NAME,
    REPO,
    RUNS,
    TIMEOUT,
    build_hostile,
    copy_sample,
    grade,
    honest_points,
    hostile_expectations,
    is_honest,
    isolation_available,
    journal,
    processes_named,
    registry_checks,
    sample_points,
)

from grader.sandbox import bwrap

# honest samples and perfect copies whose ids sort before and after every hostile one, or look like what
# -k/-m select or like the grades table's header row
HONEST = {"sandbox": ("perfect", "partial", "stubs"), "numbers": ("perfect", "partial")}
VICTIMS = {"sandbox": ("0_first_victim", "zz_last_victim", "ex02_sigmoid", "hidden", "POINTS POSSIBLE"),
           "numbers": ("0_first_victim", "zz_last_victim")}
SKIPPED_ENTRIES = (".hidden_folder", "__MACOSX", "Thumbs.db", "desktop.ini", "symlinked_entry")
# calls that wait for their timeout: infinite_loop 2, fork_bomb 2, loop_with_handlers 1,
# numba_slow_compile 1; kill_worker's two attempts; budget_drain spends its whole budget
TIMEOUT_CALLS = 8
SECRET = "instructor-secret-" + uuid.uuid4().hex
RUN_MODES = [(run, mode) for run in RUNS for mode in ("bwrap", "process")]


class Daemon(threading.Thread):
    """A stand-in for a privileged daemon's Unix socket (docker.sock): counts the connections it accepts."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.accepted = path, 0
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        os.chmod(path, 0o777)
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def stop(self) -> None:
        self.running = False
        self.join(timeout=5)
        self.server.close()


def sysv_objects() -> set[str]:
    """Keys and ids of the System V shared memory segments, message queues and semaphore sets."""
    found = set()
    for kind in ("shm", "msg", "sem"):
        path = Path("/proc/sysvipc") / kind
        if path.is_file():
            found |= {f"{kind}:{' '.join(line.split()[:2])}" for line in path.read_text().splitlines()[1:]}
    return found


class WorkerKiller(threading.Thread):
    """Kills the xdist worker above a process named ``name`` (the sandbox child, beneath a launcher or
    not), up to ``times`` times, as the OOM killer would kill a worker whose child holds too much memory.
    It looks only beneath the ``grader.cli grade`` process writing to ``out``, so a scan stays short on a
    loaded machine."""

    def __init__(self, name: str, out: Path, times: int = 2) -> None:
        super().__init__(daemon=True)
        self.name_, self.marker, self.times, self.killed = name, str(out).encode(), times, []
        self.running = True

    def run(self) -> None:
        grader = None
        while self.running and len(self.killed) < self.times:
            grader = grader or _process_with(b"grader.cli", self.marker)
            workers = [c for c in _children(grader) if _is_worker(c)] if grader else []
            for worker in workers:  # not the sandbox children a lost worker left to the grader
                if worker not in self.killed and any(_comm(p) == self.name_ for p in _descendants(worker)):
                    os.kill(worker, signal.SIGKILL)
                    self.killed.append(worker)
            time.sleep(0.02)

    def stop(self) -> None:
        self.running = False
        self.join(timeout=5)


def _process_with(*needles: bytes) -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if all(n in cmdline for n in needles):
                return int(entry.name)
    return None


def _is_worker(pid: int) -> bool:
    """An xdist worker: started by execnet's bootstrap line."""
    try:
        return b"sys.stdin.readline" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                for c in (t / "children").read_text().split()]
    except OSError:
        return []


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo.extend(_children(found[-1]))
    return found


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _add_skipped_entries(subs: Path, base: Path) -> None:
    (subs / ".hidden_folder").mkdir()
    (subs / ".hidden_folder" / "ex02_sigmoid.py").write_text("def sigmoid(z):\n    return z\n")
    (subs / "__MACOSX").mkdir()
    (subs / "__MACOSX" / "._ex02_sigmoid.py").write_bytes(b"\0\5\26\7")
    (subs / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (subs / "desktop.ini").write_text("[.ShellClassInfo]\n")
    copy_sample(base, "perfect", "outside_perfect")
    (subs / "symlinked_entry").symlink_to(base / "outside_perfect")


@pytest.fixture(scope="module", params=RUN_MODES, ids=[f"{r}-{m}" for r, m in RUN_MODES])
def hostile_run(request, tmp_path_factory):
    run_name, mode = request.param
    if mode == "bwrap" and bwrap.probe():
        pytest.skip(f"bubblewrap unusable: {bwrap.probe()}")
    base = tmp_path_factory.mktemp(f"hostile-{run_name}-{mode}")
    subs, out = base / "subs", base / "out"
    tag = "dg" + uuid.uuid4().hex[:8]
    available = isolation_available()
    subs.mkdir()
    for sample in HONEST[run_name]:
        copy_sample(subs, sample)
    for victim in VICTIMS[run_name]:
        copy_sample(subs, "perfect", victim)
    if run_name == "sandbox":
        _add_skipped_entries(subs, base)
    daemon = Daemon(base / f"daemon_{tag}.sock")
    daemon.start()
    killer = WorkerKiller(f"{tag}kw", out)
    killer.start()
    expects = build_hostile(subs, out, tag, sock=daemon.path, run=run_name)
    skipped = {k for k, e in expects.items() if e.needs and e.needs not in available}
    for name in skipped:
        (subs / name).rename(base / f"skipped-{name}")
    planted = [out / f"pwned_{tag}.txt", REPO / "grader" / f"pwned_{tag}.py",
               subs / "perfect" / f"pwned_{tag}.py", base / f"escaped_{tag}.py",
               base.parent / f"escaped_{tag}.py"]
    ipc_before = sysv_objects()
    scratch = base / "tmp"  # the grader's TMPDIR: its intake, sandbox and reference folders go here
    scratch.mkdir()
    env = {**os.environ, "DEEPGRADE_SECRET": SECRET, "TMPDIR": str(scratch)}
    t0 = time.monotonic()
    try:
        proc = grade(subs, out, "-n", "2", "--sandbox", mode, timeout=900, env=env, run=run_name)
        elapsed = time.monotonic() - t0
        leftovers = processes_named(tag) + processes_named(f"{tag}kw")
        planted_found = [p for p in planted if p.exists()]
        scratch_left = sorted(p.name for p in scratch.iterdir() if p.name.startswith("deepgrade-"))
    finally:
        (REPO / "grader" / f"pwned_{tag}.py").unlink(missing_ok=True)
        daemon.stop()
        killer.stop()
    new_ipc = sysv_objects() - ipc_before
    expects = {k: v for k, v in expects.items() if k not in skipped}
    rows = journal(out) if (out / "results.jsonl").is_file() else []
    return {"proc": proc, "rows": rows, "expects": expects, "elapsed": elapsed, "leftovers": leftovers,
            "planted": planted_found, "skipped": skipped, "out": out, "ipc": new_ipc,
            "daemon_accepted": daemon.accepted, "mode": mode, "scratch_left": scratch_left,
            "run": run_name, "workers_killed": killer.killed}


@pytest.mark.slow
def test_run_finishes_in_bounded_time_and_leaves_nothing_behind(hostile_run):
    run = hostile_run
    assert run["proc"].returncode == 0, run["proc"].stderr[-3000:]
    if run["run"] == "sandbox":
        assert len(run["expects"]) >= 50
        assert len(run["workers_killed"]) == 2, "kill_worker's worker was not killed twice"
        # every timed-out call costs TIMEOUT plus the kill, budget_drain its budget; the rest is a few
        # seconds per submission on 2 cores
        bound = TIMEOUT_CALLS * (TIMEOUT + 2) + BUDGET + 5 * len(run["expects"])
    else:
        assert len(run["expects"]) >= 4
        bound = 240.0 + 30 * len(run["expects"])  # training (ex14, ex15) and two speed races per student
    assert run["elapsed"] < bound, run["elapsed"]
    assert run["leftovers"] == [], "processes of the fork bomb, the thread or a daemon outlived the run"
    assert run["planted"] == [], "a submission wrote outside its sandbox"
    assert run["ipc"] == set(), "System V IPC objects outlived their sandbox"
    assert run["daemon_accepted"] == 0, "a submission reached a Unix socket outside its sandbox"
    assert run["scratch_left"] == [], "copies of students' code left in the temporary folder"


@pytest.mark.slow
def test_every_check_recorded_once(hostile_run):
    rows, expects, run = hostile_run["rows"], hostile_run["expects"], hostile_run["run"]
    keys = [(r["student"], r["exercise"], r["check"]) for r in rows]
    assert len(keys) == len(set(keys)), "a record was journaled twice (forged or duplicated)"
    students = {*expects, *HONEST[run], *VICTIMS[run]}
    per_student = defaultdict(int)
    for student, _, _ in keys:
        per_student[student] += 1
    assert dict(per_student) == dict.fromkeys(students, len(registry_checks(run)))


@pytest.mark.slow
def test_honest_submissions_get_exactly_their_points(hostile_run):
    run = hostile_run["run"]
    totals = defaultdict(float)
    for r in hostile_run["rows"]:
        totals[r["student"]] += r["points"]
    full = honest_points(RUNS[run].exercises, run)
    assert full >= 18.0 and sample_points("partial", run) < full
    assert {s: totals[s] for s in HONEST[run]} == {s: sample_points(s, run) for s in HONEST[run]}
    assert totals["perfect"] == full
    assert {v: totals[v] for v in VICTIMS[run]} == dict.fromkeys(VICTIMS[run], full)


@pytest.mark.slow
def test_hostile_submissions_get_only_what_they_earned_honestly(hostile_run):
    rows, expects, run = hostile_run["rows"], hostile_run["expects"], hostile_run["run"]
    targets = {(ex, check): target for ex, check, target, _ in registry_checks(run)}
    by_student = defaultdict(list)
    for r in rows:
        by_student[r["student"]].append(r)
    problems = []
    for student, expect in expects.items():
        own = by_student[student]
        total = sum(r["points"] for r in own)
        earned = honest_points(expect.honest, run)
        if total != earned:
            lost = sorted((r["exercise"], r["check"], r["outcome"]) for r in own if r["outcome"] != "passed")
            problems.append(f"{student}: {total} points, earned honestly {earned}; {lost}")
        for r in own:
            honest = is_honest(expect.honest, r["exercise"], targets[r["exercise"], r["check"]], r["check"])
            if not honest and (r["outcome"] == "passed" or not r["reason"]):
                problems.append(f"{student}: {r['exercise']}.{r['check']} {r['outcome']} without a reason")
        if expect.outcome is not None:
            hits = [r for r in own if r["outcome"] == expect.outcome]
            if not hits or (expect.reason and not any(expect.reason in r["reason"] for r in hits)):
                seen = sorted({(r["outcome"], r["reason"][:80]) for r in own if r["outcome"] != "passed"})
                problems.append(f"{student}: expected {expect.outcome} ({expect.reason}), got {seen}")
    assert problems == []


def test_suite_covers_the_issue_list():
    names = set(hostile_expectations())
    required = {"conftest_hook", "patch_builtins", "patch_math_numpy", "patch_pytest", "patch_grader",
                "lying_objects", "nan_inf", "wrong_shapes", "sysexit_import", "osexit_import",
                "systemexit_in_function", "osexit_in_function", "keyboard_interrupt", "infinite_loop",
                "loop_with_handlers", "memory_bomb", "fork_bomb", "thread_left_running", "big_output",
                "write_outside", "read_solutions", "segfault", "numba_slow_compile", "bad_notebook",
                "zip_bomb", "zip_slip", ODD_NAME,
                # issue 19's red team
                "rewrite_runtime", "site_solutions", "kernels_delegate", "broadcast_reply", "memory_split",
                "disk_fill", "sysv_ipc", "unix_socket", "double_fork_env", "secret_thief", "poisoned_reasons",
                "patch_array_equal", "early_frame", "replay_warmup", "digits_lookup", "hexfloat_frame",
                "budget_drain", "kill_worker", "caf\\xe9", "deep", "intcell", "surrogate", "badname",
                "russian", "huge", "fifo", "dirmod", "dangling", "nomodule", "nomatch"}
    assert required <= names


@pytest.mark.slow
def test_the_secret_reaches_no_record_and_no_report(hostile_run):
    leaks = [str(p.relative_to(hostile_run["out"])) for p in hostile_run["out"].rglob("*")
             if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaks == []
    thief = [r["reason"] for r in hostile_run["rows"] if r["student"] == "secret_thief" and r["reason"]]
    assert all(SECRET not in reason for reason in thief)
    assert thief or hostile_run["run"] != "sandbox"


@pytest.mark.slow
def test_every_entry_is_graded_or_recorded_as_skipped(hostile_run):
    import csv

    if hostile_run["run"] != "sandbox":
        pytest.skip("the odd and skipped entries are in the sandbox run")
    path = hostile_run["out"] / "skipped.csv"
    assert path.is_file()
    with path.open(encoding="utf-8", newline="") as fh:
        recorded = {row["entry"]: row["reason"] for row in csv.DictReader(fh)}
    assert set(SKIPPED_ENTRIES) <= set(recorded)
    assert all(recorded[e] for e in SKIPPED_ENTRIES)
    assert "symbolic link" in recorded["symlinked_entry"]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.slow
def test_reports_neutralise_formulas_and_show_student_text_as_code(hostile_run):
    import csv

    if hostile_run["run"] != "sandbox":
        pytest.skip("the poisoned reasons and the POINTS POSSIBLE victim are in the sandbox run")
    out = hostile_run["out"]
    for table in out.glob("*.csv"):
        with table.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell.startswith(FORMULA_START):
                        float(cell)  # only a number may start with a sign
    with (out / "grades.csv").open(encoding="utf-8", newline="") as fh:
        named = sum(1 for row in csv.reader(fh) if row and row[0] == "POINTS POSSIBLE")
    assert named == 1  # the victim student of that name: grades hold students only (points_possible.csv)
    assert (out / "points_possible.csv").is_file()
    feedback = "\n".join(p.read_text(encoding="utf-8") for p in (out / "feedback").glob("*poisoned*.md"))
    assert "phish.example" in feedback
    assert outside_code(feedback, ("phish.example", "evil.example", "<b>")) == []


def outside_code(markdown: str, needles: tuple[str, ...]) -> list[str]:
    """Lines where a needle appears outside a fenced block, an indented block or an inline code span."""
    found, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or line.startswith("    "):
            continue
        for needle in needles:
            at = line.find(needle)
            if at >= 0 and line[:at].count("`") % 2 == 0:
                found.append(line)
    return found

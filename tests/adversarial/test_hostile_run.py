"""Every hostile submission of ``submissions/`` (and the generated zips) graded in ONE run with honest ones,
on the registry's exercises 1, 2 and 5: the run ends within a bound set by its timeouts, honest submissions
get exactly their points, each hostile one exactly the points of what it answers honestly (computed from
the registry) with a recorded outcome and reason for what it broke, and nothing outside the sandboxes
changed (journal, reports folder, grader, other submissions, leftover processes)."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict

import pytest
from adversarial_support import (
    ODD_NAME,
    REPO,
    SUBSET,
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

HONEST = ("perfect", "partial", "stubs")
TIMEOUT_CALLS = 6  # infinite_loop 2, fork_bomb 2, loop_with_handlers 1, numba_slow_compile 1


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "subs", base / "out"
    tag = "dg" + uuid.uuid4().hex[:8]
    available = isolation_available()
    subs.mkdir()
    for sample in HONEST:
        copy_sample(subs, sample)
    expects = build_hostile(subs, out, tag)
    skipped = {k for k, e in expects.items() if e.needs and e.needs not in available}
    for name in skipped:
        (subs / name).rename(base / f"skipped-{name}")
    planted = [out / f"pwned_{tag}.txt", REPO / "grader" / f"pwned_{tag}.py",
               subs / "perfect" / f"pwned_{tag}.py", base / f"escaped_{tag}.py",
               base.parent / f"escaped_{tag}.py"]
    t0 = time.monotonic()
    try:
        proc = grade(subs, out, "-n", "2", timeout=900)
        elapsed = time.monotonic() - t0
        leftovers = processes_named(tag)
        planted_found = [p for p in planted if p.exists()]
    finally:
        (REPO / "grader" / f"pwned_{tag}.py").unlink(missing_ok=True)
    expects = {k: v for k, v in expects.items() if k not in skipped}
    return proc, journal(out) if (out / "results.jsonl").is_file() else [], expects, elapsed, leftovers, \
        planted_found, skipped


@pytest.mark.slow
def test_run_finishes_in_bounded_time_and_leaves_nothing_behind(hostile_run):
    proc, _, expects, elapsed, leftovers, planted, _ = hostile_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(expects) >= 20
    # every timed-out call costs TIMEOUT plus the kill; the rest is a few seconds per submission on 2 cores
    assert elapsed < TIMEOUT_CALLS * (TIMEOUT + 2) + 5 * len(expects), elapsed
    assert leftovers == [], "processes of the fork bomb or the thread outlived the grading run"
    assert planted == [], "a submission wrote outside its sandbox"


@pytest.mark.slow
def test_every_check_recorded_once(hostile_run):
    _, rows, expects, *_ = hostile_run
    keys = [(r["student"], r["exercise"], r["check"]) for r in rows]
    assert len(keys) == len(set(keys)), "a record was journaled twice (forged or duplicated)"
    students = {*expects, *HONEST}
    per_student = defaultdict(int)
    for student, _, _ in keys:
        per_student[student] += 1
    assert dict(per_student) == dict.fromkeys(students, len(registry_checks()))


@pytest.mark.slow
def test_honest_submissions_get_exactly_their_points(hostile_run):
    _, rows, *_ = hostile_run
    totals = defaultdict(float)
    for r in rows:
        totals[r["student"]] += r["points"]
    assert honest_points(SUBSET) == 18.0
    assert {s: totals[s] for s in HONEST} == {s: sample_points(s) for s in HONEST}
    assert totals["perfect"] == 18.0 and totals["partial"] == 13.0


@pytest.mark.slow
def test_hostile_submissions_get_only_what_they_earned_honestly(hostile_run):
    _, rows, expects, *_ = hostile_run
    targets = {(ex, check): target for ex, check, target, _ in registry_checks()}
    by_student = defaultdict(list)
    for r in rows:
        by_student[r["student"]].append(r)
    problems = []
    for student, expect in expects.items():
        own = by_student[student]
        total = sum(r["points"] for r in own)
        if total != honest_points(expect.honest):
            problems.append(f"{student}: {total} points, earned honestly {honest_points(expect.honest)}")
        for r in own:
            honest = is_honest(expect.honest, r["exercise"], targets[r["exercise"], r["check"]])
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
                "zip_bomb", "zip_slip", ODD_NAME}
    assert required <= names

"""Shared pieces of the adversarial suite: building the hostile submissions, running ``deepgrade grade``,
reading what it recorded, and the points each submission earned honestly (from the registry).

A hostile submission is a folder of ``submissions/`` with a one-line ``EXPECT`` file::

    honest=ex01_perceptron,ex02_sigmoid.sigmoid outcome=timeout needs=fs reason=no answer within

``run`` names the hostile run that grades it (``RUNS``: ``sandbox``, the default, on exercises 1, 2 and 5
with a 4 s timeout and a 30 s budget; ``numbers``, on the exercises whose verdicts rest on numbers the
child could forge: arguments left unchanged, a speed race, held-out accuracy). ``honest`` lists what the
submission answers honestly: whole modules (copied from the bundled perfect sample when the folder does
not hold them), ``module.function`` (checks whose target is that function) or ``module.check``; its
points are the registry's points of those checks. ``outcome`` and ``reason`` (a substring, the rest of
the line) must appear on at least one of its records. ``needs`` names the isolation the defence relies on
(``fs``: reads and writes by absolute path, ``signal``: signals to the grader), present with bubblewrap or
Landlock. Placeholders in the ``.py`` files are filled at build time: ``@TAG@`` (a process name unique to
the run), ``@REPO@``, ``@OUT@`` (the reports folder), ``@OTHER@`` (another submission's folder).
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import odd_entries

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
HOSTILE = HERE / "submissions"
SAMPLES = REPO / "examples" / "submissions"
SUBSET = ("ex01_perceptron", "ex02_sigmoid", "ex05_quadratic_cost")
KEYWORD = " or ".join(SUBSET)
TIMEOUT = 4.0
BUDGET = 30.0


@dataclass(frozen=True)
class Run:
    """A hostile run: the exercises it grades, the per-call timeout (``None``: each check's own), the
    per-submission time budget and the memory limit it sets."""

    exercises: tuple[str, ...]
    timeout: float | None
    budget: float
    memory_mb: int


RUNS = {
    "sandbox": Run(SUBSET, TIMEOUT, BUDGET, 1024),
    # the speed race's slow NumPy Adams need the default memory for their temporaries
    "numbers": Run(("ex09_gradient_check", "ex11_optimizers", "ex14_train_digits", "ex15_transfer_learning",
                    "ex16_fused_adam"), None, 300.0, 2048),
}
ODD_NAME = "Élève ☃ $(touch pwned); 'q' \"d\" *?"


@dataclass(frozen=True)
class Expect:
    honest: tuple[str, ...]
    outcome: str | None = None
    reason: str | None = None
    needs: str | None = None
    run: str = "sandbox"


def parse_expect(line: str) -> Expect:
    head, _, reason = line.strip().partition(" reason=")
    fields = dict(part.split("=", 1) for part in head.split())
    honest = tuple(h for h in fields.get("honest", "").split(",") if h)
    return Expect(honest, fields.get("outcome"), reason or None, fields.get("needs"),
                  fields.get("run", "sandbox"))


GENERATED = {
    "zip_bomb": Expect((), "missing", "expands beyond"),
    "zip_slip": Expect((), "missing", "unsafe path"),
    **{name: parse_expect(line) for name, line in odd_entries.EXPECTED.items()},
}


def hostile_expectations(run: str | None = None) -> dict[str, Expect]:
    """Student id -> expectation, for every folder of ``submissions/`` and the generated entries (of one
    run, or of all)."""
    folders = [p for p in sorted(HOSTILE.iterdir()) if (p / "EXPECT").is_file()]
    found = {p.name: parse_expect((p / "EXPECT").read_text(encoding="utf-8")) for p in folders}
    found[ODD_NAME] = found.pop("odd_name")
    return {k: v for k, v in {**found, **GENERATED}.items() if run is None or v.run == run}


def registry_checks(run: str = "sandbox") -> list[tuple[str, str, str, float]]:
    """(exercise, check, target, points) of a run's exercises, from the registry."""
    from grader.registry import EXERCISES

    chosen = [ex for ex in EXERCISES if ex.id in RUNS[run].exercises]
    return [(ex.id, c.name, c.target, float(c.points)) for ex in chosen for c in ex.checks]


# harness scenarios that call one function of the student's module (``module.function`` in EXPECT)
SCENARIO_FUNCTION = {"harness.sigmoid_without_overflow": "sigmoid"}


def is_honest(honest: tuple[str, ...], exercise: str, target: str, check: str) -> bool:
    function = SCENARIO_FUNCTION.get(target, target)
    return exercise in honest or f"{exercise}.{function}" in honest or f"{exercise}.{check}" in honest


def honest_points(honest: tuple[str, ...], run: str = "sandbox") -> float:
    return sum(p for ex, check, target, p in registry_checks(run) if is_honest(honest, ex, target, check))


def sample_points(sample: str, run: str = "sandbox") -> float:
    """Points of a bundled sample on the subset: its ``solved`` exercises (``examples/make_samples.py``)."""
    sys.path.insert(0, str(REPO / "examples"))
    try:
        import make_samples
    finally:
        sys.path.remove(str(REPO / "examples"))
    solved = tuple(ex for ex, state in make_samples.SAMPLES[sample].items() if state == "solved")
    return honest_points(solved, run)


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def landlock_abi() -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return max(0, int(libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))))


def isolation_available() -> set[str]:
    """The defences ``needs`` can rely on here: ``fs`` and ``signal``."""
    from grader.sandbox import bwrap

    if not bwrap.probe():
        return {"fs", "signal"}
    abi = landlock_abi()
    return ({"fs"} if abi >= 1 else set()) | ({"signal"} if abi >= 6 else set())


def build_hostile(root: Path, out: Path, tag: str, names: set[str] | None = None,
                  sock: Path | None = None, run: str = "sandbox") -> dict[str, Expect]:
    """Write the hostile submissions of a run into ``root`` (beside whatever is there); returns their
    expectations. ``sock`` is the path of the stand-in daemon's Unix socket (``@SOCK@``)."""
    root.mkdir(parents=True, exist_ok=True)
    values = {"@TAG@": tag, "@REPO@": str(REPO), "@OUT@": str(out), "@OTHER@": str(root / "perfect"),
              "@SOCK@": str(sock or root.parent / f"daemon_{tag}.sock")}
    modules = RUNS[run].exercises
    expects = hostile_expectations(run)
    chosen = {k: v for k, v in expects.items() if names is None or k in names}
    odd = {k for k in chosen if k in odd_entries.EXPECTED}
    if odd:
        odd_entries.write(root, odd)
    for student in chosen:
        if student in GENERATED:
            continue
        src = HOSTILE / ("odd_name" if student == ODD_NAME else student)
        dest = root / student
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("EXPECT", "__pycache__"))
        for path in dest.rglob("*.py"):
            path.write_text(_fill(path.read_text(encoding="utf-8"), values), encoding="utf-8")
        for module in modules:
            shutil.copyfile(SAMPLES / "perfect" / f"{module}.py", dest / f"_honest_{module}.py")
            if module in chosen[student].honest and not (dest / f"{module}.py").exists():
                shutil.copyfile(SAMPLES / "perfect" / f"{module}.py", dest / f"{module}.py")
    if "zip_bomb" in chosen:
        with zipfile.ZipFile(root / "zip_bomb.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            zf.write(SAMPLES / "perfect" / "ex01_perceptron.py", "zip_bomb/ex01_perceptron.py")
            with zf.open("zip_bomb/padding.py", "w", force_zip64=True) as member:
                block = b"#" * 2**20
                for _ in range(100):
                    member.write(block)
    if "zip_slip" in chosen:
        with zipfile.ZipFile(root / "zip_slip.zip", "w") as zf:
            zf.write(SAMPLES / "perfect" / "ex01_perceptron.py", "ex01_perceptron.py")
            zf.writestr(f"../../escaped_{tag}.py", "escaped = True\n")
    return chosen


def copy_sample(root: Path, sample: str, name: str | None = None) -> None:
    src = SAMPLES / sample
    dest = root / (name or sample)
    if src.is_dir():
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copyfile(src, dest)


def grade_command(subs: Path, out: Path, *extra: str, run: str = "sandbox",
                  env: dict | None = None) -> list[str]:
    """``deepgrade grade`` of a run's exercises, with its timeout and budget."""
    spec = RUNS[run]
    secret = [] if (env or os.environ).get("DEEPGRADE_SECRET") else ["--dev-secret"]  # hidden checks need one
    timeout = [] if spec.timeout is None else ["--timeout", str(spec.timeout)]
    return [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out), *timeout,
            "--budget", str(spec.budget), "--memory", str(spec.memory_mb), "--no-progress", "--lang", "en",
            "-k", " or ".join(spec.exercises), *secret,
            *([] if "--sandbox" in extra else ["--sandbox", "auto"]), *extra]


def grade(subs: Path, out: Path, *extra: str, timeout: float = 600, env: dict | None = None,
          run: str = "sandbox", **popen) -> subprocess.CompletedProcess:
    env = env or dict(os.environ)
    cmd = grade_command(subs, out, *extra, run=run, env=env)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=subs.parent,
                          env=env, **popen)


def journal(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def processes_named(tag: str) -> list[int]:
    """Live processes or threads whose name is ``tag`` (set with PR_SET_NAME by the submissions)."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/task/[0-9]*/comm"):
        try:
            if comm.read_text().strip() == tag:
                found.append(int(comm.parts[2]))
        except OSError:
            continue
    return sorted(set(found))

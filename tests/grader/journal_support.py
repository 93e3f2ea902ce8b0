"""Shared pieces of the journal, plan and secret tests: small submissions for the stand-in registry
(``standin.py``: 4 checks, 6 points per submission) and ``deepgrade grade`` run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]  # the working directory of the runs: grader importable even when not installed
STANDIN = str(HERE / "standin.py")
ADD = "def add(a, b):\n    return a + b\n"
SIGMOID = "import numpy as np\n\ndef sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))\n"
WRONG_ADD = "def add(a, b):\n    return a - b\n"


def slow(code: str, seconds: float) -> str:
    """``code`` whose functions each sleep ``seconds`` first (to interrupt a run part-way)."""
    head = f"import time as _t\n_PAUSE = {seconds}\n"
    return head + code.replace("):\n    return", "):\n    _t.sleep(_PAUSE)\n    return")


def build(root: Path, students: dict[str, dict[str, str]]) -> Path:
    """One folder per student holding ``{module: code}``."""
    for student, modules in students.items():
        (root / student).mkdir(parents=True)
        for module, code in modules.items():
            (root / student / f"{module}.py").write_text(code)
    return root


def honest(n: int, prefix: str = "s", pause: float = 0.0) -> dict[str, dict[str, str]]:
    return {f"{prefix}{i:02d}": {"ex01_add": slow(ADD, pause) if pause else ADD,
                                 "ex02_sigmoid": slow(SIGMOID, pause) if pause else SIGMOID}
            for i in range(n)}


def command(subs: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out), "--backend", STANDIN,
            "--timeout", "5", "--memory", "1024", "--no-progress", "--lang", "en", "--sandbox", "auto",
            *extra]


def environment(secret: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DEEPGRADE_SECRET"}
    if secret is not None:
        env["DEEPGRADE_SECRET"] = secret
    return env


def grade(subs: Path, out: Path, *extra: str, secret: str | None = None,
          timeout: float = 300) -> subprocess.CompletedProcess:
    """``deepgrade grade`` with the stand-in registry; ``--dev-secret`` unless ``secret`` is given."""
    flags = () if secret is not None else ("--dev-secret",)
    return subprocess.run(command(subs, out, *flags, *extra), capture_output=True, text=True,
                          env=environment(secret), cwd=REPO, timeout=timeout)


def journal(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def keys(rows: list[dict]) -> list[tuple[str, str, str]]:
    return [(r["student"], r["exercise"], r["check"]) for r in rows]


def lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except OSError:
        return 0

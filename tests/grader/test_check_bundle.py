"""The student bundle as a student uses it: `deepgrade --version`, only `check` in the help, an
instructor's command refused in one line, `-e ex02` accepted and a misspelt id answered with the closest
one; the instructor's checkout keeps every command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader import cli
from grader.release import MARKER, build_bundle

# Run the bundle's CLI with the editable install's finder removed, so only the bundle can be imported
# (as tests/nbgrader/test_release_bundle.py does).
BOOT = textwrap.dedent("""
    import sys
    bundle = sys.argv[1]
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in getattr(f, "__module__", "")]
    sys.path[:] = [bundle] + [p for p in sys.path if "__editable__" not in p and p not in ("", ".")]
    import grader.cli
    assert grader.cli.__file__.startswith(bundle), grader.cli.__file__
    sys.exit(grader.cli.main(sys.argv[2:]))
""")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "deepgrade-student"
    build_bundle(out)
    return out


def _run(bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DEEPGRADE_SECRET"} | {"COLUMNS": "80"}
    return subprocess.run([sys.executable, "-I", "-c", BOOT, str(bundle), *args], cwd=bundle,
                          capture_output=True, text=True, timeout=300, env=env)


def test_version_and_help_of_the_bundle(bundle: Path) -> None:
    marker = json.loads((bundle / MARKER).read_text(encoding="utf-8"))
    proc = _run(bundle, "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"deepgrade {marker['version']} (student bundle)"
    help_text = _run(bundle, "--help").stdout
    assert "check" in help_text
    for name in ("grade", "bench", "nbgrader", "release", "report"):
        assert name not in help_text.split("positional arguments", 1)[-1], name


@pytest.mark.parametrize("command", [["bench"], ["grade", "subs", "--out", "x"], ["nbgrader", "--help"]])
def test_an_instructor_command_says_in_one_line_that_it_needs_the_project(bundle: Path, command) -> None:
    proc = _run(bundle, *command)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"deepgrade: error: {cli.NEEDS_PROJECT.format(name=command[0])}"]


def test_exercise_by_number_and_closest_name_in_the_bundle(bundle: Path) -> None:
    proc = _run(bundle, "check", "exercises", "-e", "ex02", "--lang", "en", "--sandbox", "auto")
    assert proc.returncode == 1, proc.stderr[-2000:]
    rows = [ln.split() for ln in proc.stdout.splitlines() if ln.startswith("ex0")]
    assert rows and {r[0] for r in rows} == {"ex02_sigmoid"}
    assert all(len(ln) <= 80 for ln in proc.stdout.splitlines())
    wrong = _run(bundle, "check", "exercises", "-e", "ex02_sigmoud")
    assert wrong.returncode == 2 and "did you mean ex02_sigmoid?" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_the_instructor_keeps_every_command() -> None:
    assert not cli.in_student_bundle()
    choices = next(a for a in cli.build_parser()._actions if a.dest == "command").choices
    assert set(cli.COMMANDS) <= set(choices)
    assert cli.version() not in ("", "unknown")

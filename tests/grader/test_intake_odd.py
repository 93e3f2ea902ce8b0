"""Intake never stops a run: every odd entry gets its own reason, only its own exercise or entry loses
points, every entry of the folder is graded or recorded as skipped, and one budget bounds a submission."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path

import pytest

from grader import intake, intake_limits, tempdirs
from grader.engine.grading import plan
from grader.intake import scan
from grader.model import Check, Exercise, Text

MODULES = ("ex01_add", "ex02_sigmoid")
FUNCTIONS = {"ex01_add": ("add",), "ex02_sigmoid": ("sigmoid",)}
ADD = "def add(a, b):\n    return a + b\n"
SIGMOID = "import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"


def notebook_json(*cells: object) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "source": c} for c in cells], "metadata": {},
                       "nbformat": 4, "nbformat_minor": 5})


def good_folder(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "ex01_add.py").write_text(ADD)
    (path / "ex02_sigmoid.py").write_text(SIGMOID)
    return path


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "subs"
    r.mkdir()
    good_folder(r / "alice")
    return r


def grab(root: Path, tmp_path: Path):
    found = scan(root, MODULES, tmp_path / "work", functions=FUNCTIONS)
    json.dumps([s.id for s in found.submissions] + [list(s.problems.values()) for s in found.submissions]
               + [s.reason for s in found.submissions] + found.skipped, ensure_ascii=False).encode("utf-8")
    return {s.id: s for s in found.submissions}, found.skipped


def assert_alice_intact(subs):
    alice = subs["alice"]
    assert alice.path is not None and alice.reason == "" and not alice.problems
    assert (alice.path / "ex01_add.py").read_text() == ADD


def test_deep_notebook_int_in_source_and_lone_surrogate(root, tmp_path):
    (root / "deep.ipynb").write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (root / "intcell.ipynb").write_text(notebook_json(["def add(a, b):\n", 3]))
    (root / "surrogate.ipynb").write_text(notebook_json(ADD + 'S = "\\ud800"\n'))
    subs, _ = grab(root, tmp_path)
    assert_alice_intact(subs)
    assert subs["deep"].path is None
    assert subs["deep"].reason == "invalid notebook: deep.ipynb is not valid JSON (nested too deeply)"
    assert subs["intcell"].path is None
    assert subs["intcell"].reason == "invalid notebook: intcell.ipynb has a malformed code cell"
    surrogate = subs["surrogate"]
    assert surrogate.path is not None and surrogate.reason == ""
    code = (surrogate.path / f"{intake.NOTEBOOK_MODULE}.py").read_text(encoding="utf-8")
    scope: dict = {}
    exec(compile(code, "nb", "exec"), scope)
    assert scope["S"] == "\ud800" and scope["add"](2, 3) == 5


def test_zip_member_name_marked_utf8_that_is_not(root, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ex01_add.py", ADD)
        zf.writestr("é.py", "X = 1\n")  # non-ASCII: zipfile sets the UTF-8 flag
    (root / "badname.zip").write_bytes(buf.getvalue().replace("é".encode(), b"\xff\xfe"))
    subs, _ = grab(root, tmp_path)
    assert_alice_intact(subs)
    assert subs["badname"].path is None and "not UTF-8" in subs["badname"].reason


def test_folder_name_that_is_not_utf8_gets_a_printable_unique_id(root, tmp_path):
    raw = os.fsencode(root) + b"/caf\xe9"
    os.mkdir(raw)
    for name, code in (("ex01_add.py", ADD), ("ex02_sigmoid.py", SIGMOID)):
        with open(raw + b"/" + name.encode(), "w") as fh:
            fh.write(code)
    good_folder(root / "caf\\xe9")  # a real folder already named like the escaped form
    good_folder(root / "clear\x1b[2J\nscreen")
    subs, _ = grab(root, tmp_path)
    assert_alice_intact(subs)
    assert {"caf\\xe9", "caf\\xe9~2", "clear\\x1b[2J\\x0ascreen"} <= set(subs)
    assert all(subs[i].path is not None and (subs[i].path / "ex02_sigmoid.py").is_file()
               for i in ("caf\\xe9", "caf\\xe9~2"))


def stored_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_nested_zips_share_one_budget(root, tmp_path, monkeypatch):
    monkeypatch.setattr(intake_limits, "MAX_BYTES", 2**20)
    pad = b"\0" * 700_000  # each level alone fits the 1 MB cap, together they do not
    inner = stored_zip({"ex01_add.py": ADD.encode(), "pad.bin": pad})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner.zip", inner)
    (root / "nested.zip").write_bytes(buf.getvalue())
    assert (root / "nested.zip").stat().st_size < 10_000
    deep = ADD.encode()
    deep = stored_zip({"ex01_add.py": deep})
    for _ in range(4):
        deep = stored_zip({"next.zip": deep})
    (root / "russian.zip").write_bytes(deep)
    subs, _ = grab(root, tmp_path)
    assert_alice_intact(subs)
    assert subs["nested"].path is None and subs["nested"].reason == "zip expands beyond 1 MB"
    assert subs["russian"].path is None and subs["russian"].reason == "zips nested more than 3 deep"
    assert not any((tmp_path / "work").rglob("pad.bin"))  # a refused entry's extraction is removed


def test_big_notebook_is_refused_before_reading(root, tmp_path):
    with open(root / "huge.ipynb", "wb") as fh:
        fh.truncate(300 * 2**20)  # sparse: 300 MB that would take seconds to read and parse
    mixed = good_folder(root / "mixed")
    with open(mixed / "ex02_sigmoid.ipynb", "wb") as fh:
        fh.truncate(300 * 2**20)
    with open(mixed / "tp.ipynb", "wb") as fh:
        fh.truncate(300 * 2**20)
    (mixed / "ex02_sigmoid.py").unlink()
    t0 = time.monotonic()
    subs, _ = grab(root, tmp_path)
    assert time.monotonic() - t0 < 5
    assert_alice_intact(subs)
    assert subs["huge"].path is None
    assert subs["huge"].reason == "invalid notebook: huge.ipynb is larger than 16 MB"
    assert subs["mixed"].path is not None and (subs["mixed"].path / "ex01_add.py").is_file()
    big = "invalid notebook: ex02_sigmoid.ipynb is larger than 16 MB"
    assert subs["mixed"].problems == {"ex02_sigmoid": big}


def test_each_bad_module_file_only_costs_its_exercise(root, tmp_path, monkeypatch):
    for name in ("fifo", "folder", "dangling", "unreadable"):
        (root / name).mkdir()
        (root / name / "ex01_add.py").write_text(ADD)
        (root / name / "helper.py").write_text("H = 1\n")
    os.mkfifo(root / "fifo" / "ex02_sigmoid.py")
    (root / "folder" / "ex02_sigmoid.py").mkdir()
    (root / "dangling" / "ex02_sigmoid.py").symlink_to(root / "nowhere.py")
    (root / "unreadable" / "ex02_sigmoid.py").write_text(SIGMOID)
    real_open = intake.safe_open

    def deny(path: Path):  # root reads everything: stand in for EACCES/EIO on one file
        if path.parent.name == "unreadable" and path.name in ("ex02_sigmoid.py", "helper.py"):
            raise PermissionError(13, "Permission denied")
        return real_open(path)

    monkeypatch.setattr(intake, "safe_open", deny)
    subs, _ = grab(root, tmp_path)
    assert_alice_intact(subs)
    assert subs["fifo"].problems == {"ex02_sigmoid": "ex02_sigmoid.py is not a regular file"}
    assert subs["folder"].problems == {"ex02_sigmoid": "ex02_sigmoid.py is not a regular file"}
    assert subs["dangling"].problems == {"ex02_sigmoid": "ex02_sigmoid.py is a symbolic link: not followed"}
    assert subs["unreadable"].problems == {"ex02_sigmoid": "unreadable: ex02_sigmoid.py"}
    for name in ("fifo", "folder", "dangling", "unreadable"):
        sub = subs[name]
        assert sub.path is not None and sub.reason == "" and (sub.path / "ex01_add.py").read_text() == ADD
        assert not (sub.path / "ex02_sigmoid.py").exists()
        assert all(p.is_file() and not p.is_symlink() for p in sub.path.rglob("*"))
    assert not (subs["unreadable"].path / "helper.py").exists()


def test_nothing_gradable_says_why(root, tmp_path, monkeypatch):
    (root / "nomodule").mkdir()
    (root / "nomodule" / "tp1.py").write_text(ADD)
    (root / "nomatch.ipynb").write_text(notebook_json("def helper():\n    return 1\n"))
    (root / "matches.ipynb").write_text(notebook_json("add = lambda a, b: a + b\n"))
    (root / "badjson").mkdir()
    (root / "badjson" / "tp.ipynb").write_text("{ not json")
    (root / "locked").mkdir()
    (root / "locked" / "ex01_add.py").write_text(ADD)
    (root / "shut").mkdir()
    os.mkfifo(root / "pipe.zip")
    real_scandir = os.scandir

    def scandir(path=".", *args):
        if isinstance(path, (str, os.PathLike)) and Path(path).name == "shut":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path, *args)

    real_open = intake.safe_open

    def failing_open(path: Path):
        if path.parent.name == "locked":
            raise OSError(5, "Input/output error")
        return real_open(path)

    monkeypatch.setattr(intake.os, "scandir", scandir)
    monkeypatch.setattr(intake, "safe_open", failing_open)
    subs, _ = grab(root, tmp_path)
    assert_alice_intact(subs)
    assert (subs["nomodule"].path, subs["nomodule"].reason) == (None, "no exercise module found")
    assert subs["nomatch"].reason == "notebook matches no exercise: nomatch.ipynb"
    assert subs["matches"].path is not None and subs["matches"].reason == ""
    assert subs["badjson"].reason.startswith("invalid notebook: tp.ipynb is not valid JSON")
    assert subs["locked"].reason == "unreadable: ex01_add.py"
    assert subs["shut"].reason == "unreadable: shut"
    assert subs["pipe.zip"].reason == intake.NOT_A_SUBMISSION
    assert all(s.path is None for k, s in subs.items() if k not in ("alice", "matches"))


def test_any_exception_in_one_entry_is_its_reason(root, tmp_path, monkeypatch):
    for name in ("bob", "mallory", "zeta"):
        good_folder(root / name)
    real = intake._read
    failures = {"bob": RecursionError("deep"), "zeta": MemoryError(), "mallory": TypeError("int is not str")}

    def explode(path, *args):
        if path.name in failures:
            raise failures[path.name]
        return real(path, *args)

    monkeypatch.setattr(intake, "_read", explode)
    subs, _ = grab(root, tmp_path)
    assert_alice_intact(subs)
    assert subs["bob"].reason == "cannot be read (nested too deeply)"
    assert subs["zeta"].reason == "cannot be read (too large for memory)"
    assert subs["mallory"].reason == "cannot be read (TypeError: int is not str)"
    assert all(subs[n].path is None for n in failures)


def test_hidden_system_and_linked_entries_are_recorded_as_skipped(root, tmp_path):
    for name in (".x", "__MACOSX", "Thumbs.db", "desktop.ini"):
        (root / name).mkdir() if name in (".x", "__MACOSX") else (root / name).write_text("x")
    (root / "linked").symlink_to(root / "alice")
    (root / "linked.zip").symlink_to("/etc/passwd")
    subs, skipped = grab(root, tmp_path)
    assert set(subs) == {"alice"}
    assert dict(skipped) == {
        ".x": "hidden entry",
        "__MACOSX": "system file (operating-system metadata or cache)",
        "Thumbs.db": "system file (operating-system metadata or cache)",
        "desktop.ini": "system file (operating-system metadata or cache)",
        "linked": "symbolic link: not followed",
        "linked.zip": "symbolic link: not followed",
    }


def test_plan_ids_hold_no_student_id(tmp_path):
    subs = [intake.Submission(s, tmp_path, "folder") for s in ("ex02_sigmoid", "hidden", "zed")]
    ex = Exercise("ex01_add", Text("a", "a"), "1", ("add",), (
        Check("small", 1.0, "add", lambda rng: {}, "1", Text("h", "h")),
        Check("secret", 1.0, "add", lambda rng: {}, "1", Text("h", "h"), hidden=True)))
    planned = plan(subs, [ex], False)
    assert [p.pid for p in planned] == ["s00000::ex01_add::small", "s00000::ex01_add::secret",
                                        "s00001::ex01_add::small", "s00001::ex01_add::secret",
                                        "s00002::ex01_add::small", "s00002::ex01_add::secret"]
    chosen = plan(subs, [ex], True, students={"zed"}, exercise_ids={"ex01_add"})
    assert [(p.pid, p.student) for p in chosen] == [("s00002::ex01_add::small", "zed")]
    assert plan(subs, [ex], False, exercise_ids={"ex09"}) == []


def test_stale_folders_of_dead_processes_are_swept(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    pid = int(dead.stdout)
    stale = tmp_path / f"deepgrade-intake-{pid}-abc"
    (stale / "sub").mkdir(parents=True)
    (stale / "sub" / "ex01_add.py").write_text(ADD)
    os.chmod(stale / "sub", 0o500)
    live = tmp_path / f"deepgrade-sbx-{os.getppid()}-xyz"
    live.mkdir()
    other = tmp_path / "deepgrade-overlay-old"
    other.mkdir()
    unrelated = tmp_path / f"someone-{pid}-x"
    unrelated.mkdir()
    removed = tempdirs.sweep_stale(tmp_path)
    assert removed == [stale] and not stale.exists()
    assert live.exists() and other.exists() and unrelated.exists()


def test_make_names_the_folder_after_the_process():
    path = tempdirs.make("intake")
    try:
        assert path.name.startswith(f"deepgrade-intake-{os.getpid()}-") and path.is_dir()
    finally:
        tempdirs.remove(path)
    with pytest.raises(ValueError):
        tempdirs.make("../x")

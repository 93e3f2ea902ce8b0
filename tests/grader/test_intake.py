"""Finding submissions: folders, zips, notebooks, platform nesting, and hostile archives."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from grader import intake, intake_limits
from grader.errors import UsageError
from grader.intake import find_submissions

MODULES = ("ex01_add", "ex02_sigmoid")


def notebook(path: Path, *cells: str) -> Path:
    nb = {"cells": [{"cell_type": "markdown", "source": "# TP"}]
          + [{"cell_type": "code", "source": c.splitlines(keepends=True)} for c in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return path


def zip_of(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "subs"
    r.mkdir()
    return r


def grab(root, tmp_path):
    return {s.id: s for s in find_submissions(root, MODULES, tmp_path / "work")}


def test_each_kind_of_entry(root, tmp_path):
    (root / "alice").mkdir()
    (root / "alice" / "ex01_add.py").write_text("def add(a, b):\n    return a + b\n")
    zip_of(root / "bob.zip", {"ex01_add.py": "X = 1\n"})
    notebook(root / "carol.ipynb", "import numpy as np\n%matplotlib inline", "def add(a, b):\n    return a+b")
    (root / ".DS_Store").write_text("junk")
    (root / "notes.txt").write_text("not a submission")
    subs = grab(root, tmp_path)
    assert sorted(subs) == ["alice", "bob", "carol", "notes.txt"]
    assert subs["alice"].kind == "folder" and (subs["alice"].path / "ex01_add.py").is_file()
    assert (subs["bob"].path / "ex01_add.py").read_text() == "X = 1\n"
    carol = subs["carol"].path
    source = (carol / f"{intake.NOTEBOOK_MODULE}.py").read_text()
    assert "# %matplotlib inline" in source and "def add" in source
    assert source.index("import numpy") < source.index("def add")
    assert "sys.modules[__name__]" in (carol / "ex02_sigmoid.py").read_text()
    assert subs["notes.txt"].path is None and "not a submission" in subs["notes.txt"].reason


def test_platform_nesting_is_unwrapped(root, tmp_path):
    deep = root / "dave" / "Dave Martin_123_assignsubmission_file_" / "tp"
    deep.mkdir(parents=True)
    (deep / "ex02_sigmoid.py").write_text("S = 2\n")
    inner = root / "erin"
    inner.mkdir()
    zip_of(inner / "export.zip", {"erin/tp/ex01_add.py": "A = 1\n", "erin/tp/README.md": "hi"})
    (root / "fred").mkdir()
    notebook(root / "fred" / "ex01_add.ipynb", "def add(a, b):\n    return a + b")
    (root / "fred" / "extra.txt").write_text("x")
    subs = grab(root, tmp_path)
    assert (subs["dave"].path / "ex02_sigmoid.py").read_text() == "S = 2\n"
    assert (subs["erin"].path / "ex01_add.py").read_text() == "A = 1\n"
    assert "def add" in (subs["fred"].path / "ex01_add.py").read_text()
    assert not (subs["fred"].path / "ex02_sigmoid.py").exists()


@pytest.mark.parametrize("evil", ["../evil.py", "/etc/evil.py", "a/../../evil.py", "C:/evil.py"])
def test_zip_slip_is_refused(root, tmp_path, evil):
    zip_of(root / "mallory.zip", {"ex01_add.py": "A = 1\n", evil: "pwned"})
    sub = grab(root, tmp_path)["mallory"]
    assert sub.path is None and "unsafe path" in sub.reason
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "work" / "evil.py").exists()


def test_zip_bomb_and_broken_files_get_reasons(root, tmp_path, monkeypatch):
    monkeypatch.setattr(intake_limits, "MAX_BYTES", 1000)
    zip_of(root / "bomb.zip", {"ex01_add.py": "0" * 100_000})
    (root / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    (root / "badnb.ipynb").write_text("{ not json")
    (root / "empty").mkdir()
    subs = grab(root, tmp_path)
    assert "expands beyond" in subs["bomb"].reason
    assert "not a readable zip" in subs["broken"].reason
    assert "not valid JSON" in subs["badnb"].reason
    assert subs["empty"].reason == "no exercise module found"
    assert all(s.path is None for s in subs.values())


def test_too_many_members(root, tmp_path, monkeypatch):
    monkeypatch.setattr(intake_limits, "MAX_MEMBERS", 3)
    zip_of(root / "many.zip", {f"f{i}.py": "" for i in range(5)})
    assert "entries" in grab(root, tmp_path)["many"].reason


def test_missing_or_empty_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        find_submissions(tmp_path / "nope", MODULES, tmp_path / "w")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="empty"):
        find_submissions(tmp_path / "empty", MODULES, tmp_path / "w")


def test_same_id_twice_keeps_both(root, tmp_path):
    (root / "alice").mkdir()
    (root / "alice" / "ex01_add.py").write_text("A = 1\n")
    zip_of(root / "alice.zip", {"ex01_add.py": "A = 2\n"})
    subs = grab(root, tmp_path)
    assert len(subs) == 2 and {"alice", "alice.zip"} <= set(subs)

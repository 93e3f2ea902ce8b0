"""Entries of a submissions folder that once stopped a whole run or lied about a status (issue 19, item 3;
issue 12, item 4): a folder name that is not UTF-8, notebooks nested 100,000 deep, with an int in a cell's
source, with a lone surrogate, of 300 MB; a zip whose member names claim UTF-8 and are not, zips nested 5
deep; a FIFO, a folder or a dangling link where a module should be; no exercise module; a notebook that
matches no exercise. ``write(root)`` makes them from the bundled perfect sample; ``EXPECTED`` holds each
one's ``EXPECT`` line (see ``adversarial_support``): each gets its own reason and keeps every point of
what it holds honestly."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

PERFECT = Path(__file__).resolve().parents[2] / "examples" / "submissions" / "perfect"
SUBSET = ("ex01_perceptron", "ex02_sigmoid", "ex05_quadratic_cost")
ALL = ",".join(SUBSET)
NOT_A_FILE = ("honest=ex01_perceptron,ex05_quadratic_cost outcome=missing "
              "reason=ex02_sigmoid.py is not a regular file")

EXPECTED = {
    "caf\\xe9": f"honest={ALL}",
    "surrogate": f"honest={ALL}",
    "fifo": NOT_A_FILE,
    "dirmod": NOT_A_FILE,
    "dangling": "honest=ex01_perceptron,ex02_sigmoid outcome=missing "
                "reason=ex05_quadratic_cost.py is a symbolic link: not followed",
    "deep": "outcome=missing reason=invalid notebook: deep.ipynb is not valid JSON (nested too deeply)",
    "intcell": "outcome=missing reason=invalid notebook: intcell.ipynb has a malformed code cell",
    "badname": "outcome=missing reason=zip badname.zip has entry names marked UTF-8 that are not UTF-8",
    "russian": "outcome=missing reason=zips nested more than 3 deep",
    "huge": "outcome=missing reason=invalid notebook: huge.ipynb is larger than 16 MB",
    "nomodule": "outcome=missing reason=no exercise module found",
    "nomatch": "outcome=missing reason=notebook matches no exercise: nomatch.ipynb",
}


def perfect(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in SUBSET:
        shutil.copyfile(PERFECT / f"{name}.py", dest / f"{name}.py")
    return dest


def notebook(*cells: object) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "source": c} for c in cells], "metadata": {},
                       "nbformat": 4, "nbformat_minor": 5})


def perfect_cells() -> list[str]:
    return [(PERFECT / f"{n}.py").read_text().replace("from __future__ import annotations\n", "")
            for n in SUBSET]


def nested_zip(levels: int) -> bytes:
    data = b""
    for level in range(levels):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            if level == 0:
                zf.writestr("ex01_perceptron.py", (PERFECT / "ex01_perceptron.py").read_text())
            else:
                zf.writestr("next.zip", data)
        data = buf.getvalue()
    return data


def _bad_utf8_names() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ex01_perceptron.py", (PERFECT / "ex01_perceptron.py").read_text())
        zf.writestr("é.py", "X = 1\n")
    return buf.getvalue().replace("é".encode(), b"\xff\xfe")


def write(root: Path, names: set[str] | None = None) -> None:
    """Write the odd entries (all, or those of ``names``) into ``root``."""
    chosen = set(EXPECTED) if names is None else set(names)
    root.mkdir(parents=True, exist_ok=True)
    makers = {
        "caf\\xe9": lambda: _non_utf8_folder(root),
        "deep": lambda: (root / "deep.ipynb").write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        "intcell": lambda: (root / "intcell.ipynb").write_text(notebook(["def step(z):\n", 7])),
        "surrogate": lambda: (root / "surrogate.ipynb").write_text(
            notebook(*perfect_cells(), 'NAME = "\\ud800"\n')),
        "badname": lambda: (root / "badname.zip").write_bytes(_bad_utf8_names()),
        "russian": lambda: (root / "russian.zip").write_bytes(nested_zip(5)),
        "huge": lambda: _sparse(root / "huge.ipynb", 300 * 2**20),
        "fifo": lambda: _fifo_module(root / "fifo"),
        "dirmod": lambda: _folder_module(root / "dirmod"),
        "dangling": lambda: _dangling_module(root / "dangling"),
        "nomodule": lambda: _no_module(root / "nomodule"),
        "nomatch": lambda: (root / "nomatch.ipynb").write_text(notebook("def helper():\n    return 1\n")),
    }
    for name in sorted(chosen):
        makers[name]()


def _non_utf8_folder(root: Path) -> None:
    folder = os.fsencode(root / "caf") + b"\xe9"
    os.mkdir(folder)
    for name in SUBSET:
        shutil.copyfile(PERFECT / f"{name}.py", folder + b"/" + f"{name}.py".encode())


def _sparse(path: Path, size: int) -> None:
    with open(path, "wb") as fh:
        fh.truncate(size)


def _fifo_module(folder: Path) -> None:
    os.mkfifo(perfect(folder) / "ex02_sigmoid.py.tmp")
    os.replace(folder / "ex02_sigmoid.py.tmp", folder / "ex02_sigmoid.py")


def _folder_module(folder: Path) -> None:
    (perfect(folder) / "ex02_sigmoid.py").unlink()
    (folder / "ex02_sigmoid.py").mkdir()


def _dangling_module(folder: Path) -> None:
    (perfect(folder) / "ex05_quadratic_cost.py").unlink()
    (folder / "ex05_quadratic_cost.py").symlink_to(folder.parent / "gone.py")


def _no_module(folder: Path) -> None:
    folder.mkdir()
    (folder / "tp1.py").write_text("def step(z):\n    return z\n")

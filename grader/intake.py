"""Finding the submissions in a folder exported by a learning platform (trusted, parent side).

One entry of the folder is one student; the student id is the entry's name (without ``.zip``/``.ipynb``).
An entry is a folder of exercise modules (``ex02_sigmoid.py``, same names as ``exercises/``), a ``.zip``
of such a folder, or Jupyter notebooks whose code cells are taken in order. Platform nesting is unwrapped:
a lone subfolder, a zip inside a folder, the shallowest folder holding exercise modules. A notebook named
like an exercise becomes that module; any other notebook becomes one module that every exercise module
not otherwise present refers to.

Zips are extracted member by member with caps on count and size (measured while reading, not taken from
the headers); absolute paths, ``..`` components and symlinks are refused. Symlinks in folders are never
followed. An entry that cannot be graded is returned with a ``reason``, never raised.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.errors import UsageError

MAX_MEMBERS = 2000
MAX_BYTES = 64 * 2**20
MAX_DEPTH = 4
NOTEBOOK_MODULE = "_dg_notebook"
_IGNORED = re.compile(r"^(\.|__MACOSX$|__pycache__$|Thumbs\.db$|desktop\.ini$)", re.IGNORECASE)
_MAGIC = re.compile(r"^\s*[%!?]")


@dataclass(frozen=True)
class Submission:
    """One student's entry: ``path`` is a folder of modules ready for the sandbox, or None with a
    ``reason`` saying why it cannot be graded."""

    id: str
    path: Path | None
    kind: str  # folder, zip, notebook, other
    reason: str = ""


class IntakeError(Exception):
    """An entry that cannot be graded; the message is the recorded reason."""


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not _IGNORED.match(p.name) and not p.is_symlink())


def extract_zip(archive: Path, dest: Path) -> Path:
    """Extract ``archive`` into ``dest`` safely; raise ``IntakeError`` on a hostile or broken zip."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        raise IntakeError(f"not a readable zip file ({err})") from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise IntakeError(f"zip holds {len(members)} entries (limit {MAX_MEMBERS})")
        total = 0
        dest.mkdir(parents=True, exist_ok=True)
        for info in members:
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise IntakeError(f"zip entry with an unsafe path: {info.filename!r}")
            if stat.S_ISLNK(info.external_attr >> 16):
                continue
            target = dest.joinpath(*parts) if parts else dest
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, target.open("wb") as out:
                    while chunk := src.read(1 << 16):
                        total += len(chunk)
                        if total > MAX_BYTES:
                            raise IntakeError(f"zip expands beyond {MAX_BYTES // 2**20} MB")
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as err:
                raise IntakeError(f"zip entry {info.filename!r} cannot be read ({err})") from None
    return dest


def _is_autograder_test(cell: dict) -> bool:
    """An nbgrader autograder test cell (``grade`` and not ``solution``): the course's checks, not the
    student's code (``deepgrade nbgrader build`` notebooks)."""
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return isinstance(nbgrader, dict) and bool(nbgrader.get("grade")) and not nbgrader.get("solution")


def notebook_source(path: Path) -> str:
    """The code cells of a notebook, in order, with IPython magics and shell escapes commented out;
    nbgrader's autograder test cells are left out."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise IntakeError(f"notebook {path.name} is not valid JSON ({err})") from None
    except OSError as err:
        raise IntakeError(f"notebook {path.name} cannot be read ({err.strerror})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise IntakeError(f"notebook {path.name} has no list of cells")
    chunks = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or _is_autograder_test(cell):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if not isinstance(source, str):
            raise IntakeError(f"notebook {path.name} has a malformed code cell")
        if source.lstrip().startswith("%%"):
            source = "\n".join("# " + line for line in source.splitlines())
        else:
            source = "\n".join("# " + ln if _MAGIC.match(ln) else ln for ln in source.splitlines())
        chunks.append(source)
    return "\n\n".join(chunks) + "\n"


def _unwrap(folder: Path, work: Path, depth: int = 0) -> Path:
    """Follow lone subfolders and lone zips down to the folder that holds the submission."""
    items = _visible(folder)
    if depth < MAX_DEPTH and len(items) == 1:
        only = items[0]
        if only.is_dir():
            return _unwrap(only, work, depth + 1)
        if only.suffix.lower() == ".zip":
            return _unwrap(extract_zip(only, work / f"unzip{depth}"), work, depth + 1)
    return folder


def _holder(folder: Path, modules: Sequence[str]) -> Path:
    """The shallowest folder (breadth first) holding an exercise module or a notebook."""
    wanted = {f"{m}.py" for m in modules} | {f"{m}.ipynb" for m in modules}
    level = [folder]
    for _ in range(MAX_DEPTH + 1):
        for cand in level:
            names = {p.name for p in _visible(cand) if p.is_file()}
            if names & wanted or any(n.endswith(".ipynb") for n in names):
                return cand
        level = [d for cand in level for d in _visible(cand) if d.is_dir()]
    return folder


def _materialise(folder: Path, modules: Sequence[str], work: Path) -> Path:
    """Turn notebooks into modules; returns the folder to hand to the sandbox."""
    notebooks = sorted(p for p in _visible(folder) if p.is_file() and p.suffix == ".ipynb")
    if not notebooks:
        if not any(p.suffix == ".py" for p in _visible(folder) if p.is_file()):
            raise IntakeError("no Python module or notebook found")
        return folder
    out = work / "modules"
    out.mkdir(parents=True)
    for p in _visible(folder):
        if p.is_file() and p.suffix == ".py":
            shutil.copyfile(p, out / p.name)
    loose = []
    for nb in notebooks:
        if nb.stem in modules and not (out / f"{nb.stem}.py").exists():
            (out / f"{nb.stem}.py").write_text(notebook_source(nb), encoding="utf-8")
        elif nb.stem not in modules:
            loose.append(notebook_source(nb))
    if loose:
        (out / f"{NOTEBOOK_MODULE}.py").write_text("\n\n".join(loose), encoding="utf-8")
        shim = f"import sys\nimport {NOTEBOOK_MODULE}\nsys.modules[__name__] = {NOTEBOOK_MODULE}\n"
        for m in modules:
            if not (out / f"{m}.py").exists():
                (out / f"{m}.py").write_text(shim, encoding="utf-8")
    return out


def read_entry(path: Path, modules: Sequence[str], work: Path) -> tuple[str, Path]:
    """One entry -> (kind, folder of modules for the sandbox); raises ``IntakeError`` with the reason."""
    suffix = path.suffix.lower()
    if path.is_dir():
        return "folder", _materialise(_holder(_unwrap(path, work), modules), modules, work)
    if suffix == ".zip":
        root = _unwrap(extract_zip(path, work / "unzip"), work)
        return "zip", _materialise(_holder(root, modules), modules, work)
    if suffix == ".ipynb":
        single = work / "single"
        single.mkdir(parents=True)
        shutil.copyfile(path, single / path.name)
        return "notebook", _materialise(single, modules, work)
    raise IntakeError("not a submission (expected a folder, a .zip or an .ipynb notebook)")


def student_id(path: Path) -> str:
    """The student id of an entry: its name, without a .zip/.ipynb suffix."""
    return path.stem if path.is_file() and path.suffix.lower() in (".zip", ".ipynb") else path.name


def find_submissions(root: Path, modules: Sequence[str], work: Path) -> list[Submission]:
    """Every entry of ``root``, sorted by id; extracted material goes under ``work``. Raises
    ``UsageError`` when ``root`` is missing, not a folder, or holds no entry."""
    root = Path(root)
    if not root.exists():
        raise UsageError(f"submissions folder not found: {root}")
    if not root.is_dir():
        raise UsageError(f"not a folder: {root}")
    entries = [p for p in _visible(root)]
    if not entries:
        raise UsageError(f"no submission in {root} (the folder is empty)")
    seen: set[str] = set()
    found = []
    for index, path in enumerate(entries):
        sid = student_id(path)
        if sid in seen:
            sid = path.name
        seen.add(sid)
        scratch = Path(work) / f"{index:05d}"
        try:
            kind, folder = read_entry(path, modules, scratch)
            found.append(Submission(sid, folder, kind))
        except IntakeError as err:
            found.append(Submission(sid, None, "other" if path.is_file() else "folder", str(err)))
        except OSError as err:
            found.append(Submission(sid, None, "other", f"cannot be read ({err.strerror or err})"))
    return sorted(found, key=lambda s: s.id)

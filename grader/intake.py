"""Finding the submissions in a folder exported by a learning platform (trusted, parent side).

One entry of the folder is one student; the student id is the entry's name (without ``.zip``/``.ipynb``),
as valid UTF-8 text (bytes that are not UTF-8 become ``\\xXX``), unique. Hidden and system entries
(``.x``, ``__MACOSX``, ``Thumbs.db``, ``desktop.ini``) and symbolic links are not graded but returned as
skipped, with the reason. An entry is a folder of exercise modules (``ex02_sigmoid.py``, same names as
``exercises/``), a ``.zip`` of such a folder, or Jupyter notebooks whose code cells are taken in order.
Platform nesting is unwrapped: a lone subfolder, a lone zip, the shallowest folder holding exercise
modules. A notebook named like an exercise becomes that module; any other notebook that defines an
exercise function becomes one module that every exercise module not otherwise present refers to.

Each submission is rebuilt in the work folder from regular, readable files only (the folder the sandbox
copies), within one ``Budget`` per submission (``grader.intake_limits``). What goes wrong with one file
named like an exercise module (a link, a folder, a FIFO, unreadable, an invalid notebook) is recorded for
that exercise only, in ``Submission.problems``. A submission with nothing gradable gets a ``reason``. Any
exception while reading one entry becomes that entry's reason: intake never stops a grading run.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader import intake_limits as limits
from grader import tempdirs
from grader.errors import UsageError
from grader.intake_limits import Budget, IntakeError, NotRegular, printable, read_capped, safe_open
from grader.intake_notebook import defines_any, notebook_source, utf8_text
from grader.intake_zip import extract_zip

__all__ = ["Entry", "Intake", "IntakeError", "Listing", "Submission", "extract_zip", "find_submissions",
           "list_entries", "notebook_source", "read_entry", "scan", "skip_reason", "student_id"]

MAX_DEPTH = 4  # levels of platform nesting unwrapped (lone folders, lone zips)
NOTEBOOK_MODULE = "_dg_notebook"
NOT_A_SUBMISSION = "not a submission (expected a folder, a .zip or an .ipynb notebook)"
NO_MODULE = "no exercise module found"
_SYSTEM = re.compile(r"^(__MACOSX|__pycache__|Thumbs\.db|desktop\.ini)$", re.IGNORECASE)


@dataclass(frozen=True)
class Submission:
    """One student's entry: ``path`` is a folder of modules ready for the sandbox, or None with a
    ``reason`` saying why nothing can be graded. ``problems`` maps an exercise id to the reason that
    exercise alone cannot be graded (its module is a link, a folder, a FIFO, unreadable, ...)."""

    id: str
    path: Path | None
    kind: str  # folder, zip, notebook, other
    reason: str = ""
    problems: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """An entry of the submissions folder to grade: its student id and its real path."""

    id: str
    path: Path


@dataclass(frozen=True)
class Listing:
    """The entries of a submissions folder: those to grade and those skipped, as (name, reason)."""

    entries: list[Entry]
    skipped: list[tuple[str, str]]


@dataclass(frozen=True)
class Intake:
    """Every submission (sorted by id) and every skipped entry (name, reason) of a submissions folder."""

    submissions: list[Submission]
    skipped: list[tuple[str, str]]


def skip_reason(name: str) -> str | None:
    """Why an entry (or a file inside a submission) named ``name`` is not read, or None."""
    if name.startswith("."):
        return "hidden entry"
    if _SYSTEM.match(name):
        return "system file (operating-system metadata or cache)"
    return None


def _lstat_mode(path: Path) -> int:
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0


def student_id(path: Path) -> str:
    """The student id of an entry: its name, without a .zip/.ipynb suffix, as UTF-8 text."""
    regular = stat.S_ISREG(_lstat_mode(path))
    return printable(path.stem if regular and path.suffix.lower() in (".zip", ".ipynb") else path.name)


def list_entries(root: Path) -> Listing:
    """The entries of ``root``, sorted by name, with unique ids; raises ``UsageError`` when ``root`` is
    missing, not a folder or cannot be listed."""
    root = Path(root)
    if not root.exists():
        raise UsageError(f"submissions folder not found: {root}")
    if not root.is_dir():
        raise UsageError(f"not a folder: {root}")
    try:
        names = sorted(os.listdir(root))
    except OSError as err:
        raise UsageError(f"cannot list {root}: {err.strerror or err}") from None
    entries, skipped, seen = [], [], set()
    for name in names:
        path = root / name
        why = skip_reason(name)
        if why is None and stat.S_ISLNK(_lstat_mode(path)):
            why = "symbolic link: not followed"
        if why is not None:
            skipped.append((printable(name), why))
            continue
        sid = student_id(path)
        if sid in seen:
            sid = printable(name)
        n = 2
        while sid in seen:
            sid, n = f"{printable(name)}~{n}", n + 1
        seen.add(sid)
        entries.append(Entry(sid, path))
    return Listing(entries, skipped)


def _kind(path: Path) -> str:
    mode = _lstat_mode(path)
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode) and path.suffix.lower() in (".zip", ".ipynb"):
        return "zip" if path.suffix.lower() == ".zip" else "notebook"
    return "other"


def _listing(folder: Path, budget: Budget) -> list[os.DirEntry]:
    """The entries of ``folder`` that intake reads (hidden and system files left out), sorted by name."""
    try:
        with os.scandir(folder) as it:
            items = []
            for item in it:
                budget.scan()
                if skip_reason(item.name) is None:
                    items.append(item)
    except OSError:
        raise IntakeError(f"unreadable: {printable(folder.name)}") from None
    return sorted(items, key=lambda e: e.name)


def _unwrap(folder: Path, owned: bool, scratch: Path, budget: Budget, depth: int = 0) -> tuple[Path, bool]:
    """Follow lone subfolders and lone zips down to the folder that holds the submission; ``owned``
    tells whether the folder is ours (extracted) rather than the student's."""
    items = _listing(folder, budget)
    if depth < MAX_DEPTH and len(items) == 1:
        only = items[0]
        if only.is_dir(follow_symlinks=False):
            return _unwrap(Path(only.path), owned, scratch, budget, depth + 1)
        if only.name.lower().endswith(".zip") and only.is_file(follow_symlinks=False):
            inner = extract_zip(Path(only.path), scratch / f"unzip{depth + 1}", budget)
            return _unwrap(inner, True, scratch, budget, depth + 1)
    return folder, owned


def _holder(folder: Path, modules: Sequence[str], budget: Budget) -> Path:
    """The shallowest folder (breadth first) with an entry named like an exercise module or a notebook."""
    wanted = {f"{m}.py" for m in modules} | {f"{m}.ipynb" for m in modules}
    level = [folder]
    for _ in range(MAX_DEPTH + 1):
        deeper = []
        for cand in level:
            try:
                items = _listing(cand, budget)
            except IntakeError:
                if cand == folder:
                    raise
                continue
            if any(e.name in wanted or e.name.lower().endswith(".ipynb") for e in items):
                return cand
            deeper += [Path(e.path) for e in items if e.is_dir(follow_symlinks=False)]
        level = deeper
    return folder


def _place(src: Path, dst: Path, owned: bool, budget: Budget) -> None:
    """Move (our own extracted file) or copy (the student's file, drawn from the budget) one file."""
    if owned:
        os.replace(src, dst)
        return
    budget.add_member("submission")
    try:
        with safe_open(src) as fh, open(dst, "wb") as out:
            if os.fstat(fh.fileno()).st_size > budget.bytes_left:
                budget.spend_bytes(os.fstat(fh.fileno()).st_size, "submission is larger than")
            while chunk := fh.read(1 << 16):
                budget.spend_bytes(len(chunk), "submission is larger than")
                out.write(chunk)
    except BaseException:
        dst.unlink(missing_ok=True)
        raise


@dataclass
class _Build:
    """What rebuilding one submission found besides the files: per-exercise problems, unreadable paths,
    why notebooks were not used, and notebooks too big to copy (by stem)."""

    problems: dict[str, str] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    notebook_reasons: list[str] = field(default_factory=list)
    oversized: dict[str, str] = field(default_factory=dict)


def _too_big(item: os.DirEntry) -> bool:
    try:
        return item.stat(follow_symlinks=False).st_size > limits.MAX_NOTEBOOK_BYTES
    except OSError:
        return False


def _collect(src: Path, out: Path, owned: bool, budget: Budget, modules: Sequence[str], build: _Build,
             rel: str = "", depth: int = 0) -> None:
    """Rebuild ``src`` in ``out`` from regular readable files only; an entry named like an exercise
    module that cannot be used records a problem for that exercise."""
    out.mkdir(parents=True, exist_ok=True)
    by_file = {f"{m}.py": m for m in modules} if depth == 0 else {}
    for item in _listing(src, budget):
        shown = rel + printable(item.name)
        exercise = by_file.get(item.name)
        mode = _lstat_mode(Path(item.path))
        if stat.S_ISLNK(mode):
            if exercise:
                build.problems[exercise] = f"{shown} is a symbolic link: not followed"
        elif stat.S_ISDIR(mode):
            if exercise:
                build.problems[exercise] = f"{shown} is not a regular file"
            elif depth < limits.MAX_TREE_DEPTH:
                try:
                    _collect(Path(item.path), out / item.name, owned, budget, modules, build, shown + "/",
                             depth + 1)
                except IntakeError as err:
                    if not str(err).startswith("unreadable: "):
                        raise
                    build.unreadable.append(shown)
        elif not stat.S_ISREG(mode):
            if exercise:
                build.problems[exercise] = f"{shown} is not a regular file"
        elif depth == 0 and item.name.lower().endswith(".ipynb") and _too_big(item):
            reason = f"invalid notebook: {shown} is larger than {limits.MAX_NOTEBOOK_BYTES // 2**20} MB"
            build.notebook_reasons.insert(0, reason)
            build.oversized[Path(item.name).stem] = reason
        else:
            try:
                _place(Path(item.path), out / item.name, owned, budget)
            except (OSError, NotRegular):
                build.unreadable.append(shown)
                if exercise:
                    build.problems[exercise] = f"unreadable: {shown}"


def _notebooks(dest: Path, modules: Sequence[str], functions: Mapping[str, Sequence[str]], budget: Budget,
               build: _Build) -> None:
    """Turn the notebooks of ``dest`` into modules (then remove them)."""
    books = sorted(p for p in dest.iterdir() if p.suffix.lower() == ".ipynb" and p.is_file())
    every_function = {f for names in functions.values() for f in names}
    for stem, reason in build.oversized.items():
        if stem in modules and not (dest / f"{stem}.py").exists():
            build.problems.setdefault(stem, reason)
    loose = []
    for nb in books:
        stem = nb.stem
        module = dest / f"{stem}.py"
        try:
            if stem in modules:
                if not module.exists() and stem not in build.problems:
                    module.write_text(notebook_source(nb, budget), encoding="utf-8")
            else:
                code = notebook_source(nb, budget)
                if every_function and not defines_any(code, every_function):
                    build.notebook_reasons.append(f"notebook matches no exercise: {printable(nb.name)}")
                else:
                    loose.append(code)
        except IntakeError as err:
            reason = f"invalid notebook: {err}"
            if stem in modules:
                build.problems[stem] = reason
            build.notebook_reasons.insert(0, reason)
        nb.unlink()
    missing = [m for m in modules if not (dest / f"{m}.py").exists() and m not in build.problems]
    if loose:
        (dest / f"{NOTEBOOK_MODULE}.py").write_text("\n\n".join(loose), encoding="utf-8")
        shim = f"import sys\nimport {NOTEBOOK_MODULE}\nsys.modules[__name__] = {NOTEBOOK_MODULE}\n"
        for m in missing:
            (dest / f"{m}.py").write_text(shim, encoding="utf-8")


def _present(dest: Path, modules: Sequence[str], build: _Build) -> list[str]:
    return [m for m in modules if m not in build.problems
            and ((dest / f"{m}.py").is_file() or (dest / m / "__init__.py").is_file())]


def _read(path: Path, kind: str, modules: Sequence[str], functions: Mapping[str, Sequence[str]],
          scratch: Path) -> tuple[Path | None, str, dict[str, str]]:
    """Rebuild one entry in ``scratch``: (folder for the sandbox or None, reason, problems)."""
    budget = Budget()
    if kind == "folder":
        top, owned = path, False
    elif kind == "zip":
        top, owned = extract_zip(path, scratch / "unzip0", budget), True
    elif kind == "notebook":
        data = read_capped(path, limits.MAX_NOTEBOOK_BYTES, f"invalid notebook: {printable(path.name)}")
        budget.spend_bytes(len(data))
        top, owned = scratch / "single", True
        top.mkdir(parents=True)
        (top / path.name).write_bytes(data)
    else:
        raise IntakeError(NOT_A_SUBMISSION)
    top, owned = _unwrap(top, owned, scratch, budget)
    dest, build = scratch / "sub", _Build()
    _collect(_holder(top, modules, budget), dest, owned, budget, modules, build)
    _notebooks(dest, modules, functions, budget, build)
    present = _present(dest, modules, build)
    if not present:
        why = [*build.notebook_reasons, *(f"unreadable: {u}" for u in build.unreadable), NO_MODULE]
        return None, why[0], build.problems
    invalid = [r for r in build.notebook_reasons if r.startswith("invalid notebook: ")]
    if invalid and not (dest / f"{NOTEBOOK_MODULE}.py").exists():
        for m in modules:
            if m not in present and m not in build.problems:
                build.problems[m] = invalid[0]
    return dest, "", build.problems


def _one_line(text: str) -> str:
    return utf8_text(" ".join(str(text).split()))[:300] or "cannot be read"


def read_submission(entry: Entry, modules: Sequence[str], scratch: Path,
                    functions: Mapping[str, Sequence[str]] | None = None) -> Submission:
    """One entry as a ``Submission``; never raises for anything the entry holds (any exception becomes
    the recorded reason, and what was extracted for it is removed)."""
    kind = _kind(entry.path)
    try:
        folder, reason, problems = _read(entry.path, kind, modules, functions or {}, scratch)
    except IntakeError as err:
        folder, reason, problems = None, str(err), {}
    except OSError as err:
        folder, reason, problems = None, f"cannot be read ({err.strerror or err})", {}
    except RecursionError:
        folder, reason, problems = None, "cannot be read (nested too deeply)", {}
    except MemoryError:
        folder, reason, problems = None, "cannot be read (too large for memory)", {}
    except Exception as err:  # any other surprise in one entry must not stop the other students' grading
        folder, reason, problems = None, f"cannot be read ({type(err).__name__}: {err})", {}
    if folder is None:
        tempdirs.remove(scratch)
        return Submission(entry.id, None, kind, _one_line(reason),
                          {k: _one_line(v) for k, v in problems.items()})
    return Submission(entry.id, folder, kind, "", {k: _one_line(v) for k, v in problems.items()})


def read_entry(path: Path, modules: Sequence[str], work: Path) -> tuple[str, Path]:
    """One entry -> (kind, folder of modules for the sandbox); raises ``IntakeError`` with the reason
    when nothing in it can be graded (``deepgrade check``)."""
    sub = read_submission(Entry("self-check", Path(path)), modules, Path(work))
    if sub.path is None:
        raise IntakeError(sub.reason)
    return sub.kind, sub.path


def scan(
    root: Path,
    modules: Sequence[str],
    work: Path,
    *,
    functions: Mapping[str, Sequence[str]] | None = None,
    select: Collection[str] | None = None,
) -> Intake:
    """Every entry of ``root``: submissions sorted by id (only the ids in ``select`` are read when it is
    given; the others are listed with the reason "not selected") and skipped entries. Extracted material
    goes under ``work``. Raises ``UsageError`` when ``root`` is missing, not a folder, or holds no entry
    to grade."""
    listing = list_entries(root)
    if not listing.entries:
        extra = f" ({len(listing.skipped)} skipped)" if listing.skipped else " (the folder is empty)"
        raise UsageError(f"no submission in {root}{extra}")
    found = []
    for index, entry in enumerate(listing.entries):
        if select is not None and entry.id not in select:
            found.append(Submission(entry.id, None, _kind(entry.path), "not selected"))
            continue
        found.append(read_submission(entry, modules, Path(work) / f"{index:05d}", functions))
    return Intake(sorted(found, key=lambda s: s.id), listing.skipped)


def find_submissions(root: Path, modules: Sequence[str], work: Path, *,
                     functions: Mapping[str, Sequence[str]] | None = None) -> list[Submission]:
    """The submissions of ``root`` sorted by id (see ``scan``; skipped entries are left out)."""
    return scan(root, modules, work, functions=functions).submissions

"""Generate an nbgrader course directory from the registry and ``solutions/``.

Layout (nbgrader's): ``COURSE_DIR/nbgrader_config.py`` and ``COURSE_DIR/source/<id>/<id>.ipynb`` with
``deepgrade_check.py`` beside it: one assignment per exercise, holding one notebook, both named by the
exercise id, so that nbgrader's per-assignment export maps to deepgrade's per-exercise tables.

A notebook reads, in order: the statement (fr/en markdown, read-only), the given code of the solution
module (imports, constants, unfenced helpers; read-only), one answer cell per fenced function (the
solution between ``### BEGIN SOLUTION``/``### END SOLUTION``, which ``nbgrader generate_assignment``
replaces by its stub), and one autograder test cell per check of the registry, worth the check's points,
placed after the function it calls (scenario checks at the end). A hidden check's cell holds only the
call ``run_hidden_check(globals(), "<exercise>", "<check>")`` between ``### BEGIN HIDDEN TESTS``/``### END
HIDDEN TESTS``; nbgrader removes it from the release and restores it at autograde.

No input and no expected value of a hidden check is written here, so building needs no secret: at
autograde the cell draws the inputs for the student being graded from ``DEEPGRADE_SECRET`` of the
autograding environment and computes the expected value on ``solutions/`` (``deepgrade_check``), the same
inputs ``deepgrade grade`` gives that student under the same secret.

Building into an existing course never silently rewrites an instructor's edits. deepgrade's settings live
in one block of ``nbgrader_config.py``, between ``# >>> deepgrade`` and ``# <<< deepgrade sha256=...``
(the hash of the block as written); a rebuild replaces that block only, so every line outside it (an
instructor's ``c.Exchange.root``, a later line overriding one of the block's settings) is kept. A block
edited since it was written, a config without the block (the instructor's own, or one of an older
deepgrade), and a source notebook whose cells (their type, source and nbgrader metadata) no longer match the
hash recorded in its metadata (``deepgrade.checksum``) stop the build with a one-line error naming them;
``force=True`` (``--force``) overwrites the block or notebooks and appends the block to a config without
one, keeping its lines.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from grader.errors import UsageError
from grader.model import Check, Exercise
from grader.nbgrader import cells
from grader.nbgrader.source import Chunk, split_module

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
HELPER = Path(__file__).with_name("deepgrade_check.py")
COURSE_ID = "deepgrade"
DEFAULT_TIMEOUT_S = 120
CODE_STUB = "# VOTRE CODE ICI / YOUR CODE HERE\nraise NotImplementedError()"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

CONFIG_HEADER = (
    "# nbgrader settings of the deepgrade course. `deepgrade nbgrader build` rewrites only the block below;\n"
    "# add your own settings outside it (a later line wins over the block's).\n"
)
BLOCK_BEGIN = "# >>> deepgrade: written by `deepgrade nbgrader build`; an edit inside stops the next build"
BLOCK_END = "# <<< deepgrade sha256="
CONFIG = '''\
import os

c = get_config()  # noqa: F821
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")
# Seconds one cell may run at autograde before the kernel is interrupted (the cell then scores 0).
c.Execute.timeout = {timeout}
c.ClearSolutions.code_stub = {{"python": {stub!r}}}
'''


_INSTRUCTIONS = """\
**Consigne.** Complétez les cellules de réponse : remplacez `raise NotImplementedError()` par votre code, \
sans renommer les fonctions. Les autres cellules sont en lecture seule. Exécutez les cellules de test pour \
vérifier votre travail ; à la correction, des tests cachés utilisent d'autres entrées.

**Instructions.** Fill in the answer cells: replace `raise NotImplementedError()` with your code, keeping \
the function names. The other cells are read-only. Run the test cells to check your work; at grading, \
hidden tests use other inputs."""


def statement(exercise: Exercise, docstring: str) -> str:
    """The statement cell: title in both languages, report section, instructions, the checks' table."""
    rows = "\n".join(
        f"| `{c.name}` | `{c.target}` | {c.points:g} | {_kind(c)} |" for c in exercise.checks
    )
    functions = ", ".join(f"`{f}`" for f in exercise.functions)
    return (
        f"# {exercise.title.fr}\n*{exercise.title.en}*\n\n"
        f"Rapport « Apprentissage Profond », section {exercise.section} · report section {exercise.section}."
        f"\n\n{docstring}\n\nFonctions à écrire / functions to write: {functions}.\n\n{_INSTRUCTIONS}\n\n"
        f"| vérification / check | appelle / calls | points | |\n| --- | --- | --- | --- |\n{rows}\n\n"
        f"Total : {exercise.max_points:g} points."
    )


def _kind(check: Check) -> str:
    return "cachée / hidden" if check.hidden else "publique / public"


def test_source(exercise: Exercise, check: Check) -> str:
    """The source of a check's test cell; it ends in a call returning None, never a value. A hidden
    check's cell holds its call only: no input, no expected value, no seed."""
    head = f"# {check.name} ({check.points:g} pt, {_kind(check)}) : section {check.section}\n"
    if not check.hidden:
        return (
            f"{head}from deepgrade_check import run_check\n\n"
            f"run_check(globals(), {exercise.id!r}, {check.name!r})"
        )
    return (
        f"{head}# Entrées propres à chaque étudiant, tirées à la correction.\n"
        f"# Inputs of your own, drawn at grading time.\n"
        f"from deepgrade_check import run_hidden_check\n\n"
        f"### BEGIN HIDDEN TESTS\nrun_hidden_check(globals(), {exercise.id!r}, {check.name!r})\n"
        f"### END HIDDEN TESTS"
    )


def _code_cell(exercise: Exercise, chunk: Chunk, index: int) -> NotebookNode:
    if chunk.answer:
        return cells.solution(chunk.source, cells.grade_id(exercise.id, "answer", chunk.name))
    return cells.given_code(chunk.source, cells.grade_id(exercise.id, "given", str(index)))


def _ready_after(chunks: list[Chunk]) -> set[str]:
    """The functions callable right after their own cell: those whose cell uses only names of earlier
    cells that are ready themselves (a check of any other target waits for the end of the notebook)."""
    position = {chunk.name: i for i, chunk in enumerate(chunks) if chunk.name}
    ready: set[str] = set()
    for i, chunk in enumerate(chunks):
        used = {node.id for node in ast.walk(ast.parse(chunk.source)) if isinstance(node, ast.Name)}
        deps = (used & position.keys()) - {chunk.name}
        if chunk.name and all(position[d] < i and d in ready for d in deps):
            ready.add(chunk.name)
    return ready


def exercise_notebook(exercise: Exercise) -> NotebookNode:
    """The instructor's source notebook of one exercise."""
    docstring, chunks = split_module((SOLUTIONS / f"{exercise.id}.py").read_text(encoding="utf-8"))
    ready = _ready_after(chunks)
    placed: dict[str, list[Check]] = {}
    for check in exercise.checks:
        placed.setdefault(check.target if check.target in ready else "", []).append(check)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["deepgrade"] = {"exercise": exercise.id}
    nb.cells.append(cells.markdown(statement(exercise, docstring), cells.grade_id(exercise.id, "statement")))
    for index, chunk in enumerate(chunks):
        nb.cells.append(_code_cell(exercise, chunk, index))
        for check in placed.pop(chunk.name, []) if chunk.name else []:
            nb.cells.append(_test_cell(exercise, check))
    tests = [_test_cell(exercise, check) for group in placed.values() for check in group]
    if tests:
        heading = "## Vérifications d'ensemble / Whole-exercise checks"
        nb.cells.append(cells.markdown(heading, cells.grade_id(exercise.id, "checks")))
        nb.cells.extend(tests)
    nb.metadata["deepgrade"]["checksum"] = notebook_checksum(nb)
    nbformat.validate(nb)
    return nb


def _test_cell(exercise: Exercise, check: Check) -> NotebookNode:
    return cells.test(test_source(exercise, check), cells.grade_id(check.name), check.points)


def select(names: Sequence[str] | None) -> list[Exercise]:
    """The exercises named (all when ``names`` is empty), in course order; ``UsageError`` on an unknown
    name."""
    from grader.registry import EXERCISES

    known = {e.id: e for e in EXERCISES}
    unknown = [n for n in names or () if n not in known]
    if unknown:
        raise UsageError(f"unknown assignment {', '.join(unknown)}; known: {', '.join(known)}")
    wanted = set(names or known)
    return [e for e in EXERCISES if e.id in wanted]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def config_block(timeout_s: int) -> str:
    """deepgrade's block of ``nbgrader_config.py``, its hash on the closing line."""
    body = CONFIG.format(course_id=COURSE_ID, timeout=int(timeout_s), stub=CODE_STUB)
    return f"{BLOCK_BEGIN}\n{body}{BLOCK_END}{_digest(body)}\n"


def _find_block(text: str) -> tuple[int, int, str, str] | None:
    """``(start, end, body, recorded hash)`` of deepgrade's block in a config, or ``None``."""
    start = text.find(BLOCK_BEGIN + "\n")
    if start < 0:
        return None
    body_start = start + len(BLOCK_BEGIN) + 1
    close = text.find(BLOCK_END, body_start)
    if close < 0:
        return None
    line_end = text.find("\n", close)
    end = len(text) if line_end < 0 else line_end + 1
    return start, end, text[body_start:close], text[close + len(BLOCK_END):end].strip()


def merged_config(current: str | None, timeout_s: int, force: bool) -> tuple[str, str]:
    """The config's new text and a word on what happened; raises ``UsageError`` when the config has no
    deepgrade block or an edited one, unless ``force``."""
    block = config_block(timeout_s)
    if current is None:
        return CONFIG_HEADER + block, "written"
    found = _find_block(current)
    if found is None:
        if not force:
            raise UsageError("nbgrader_config.py has no deepgrade block (your own config, or an older "
                             "deepgrade's): pass --force to append the block to it, keeping your lines")
        return current.rstrip("\n") + "\n\n" + block, "appended"
    start, end, body, recorded = found
    if _digest(body) != recorded and not force:
        raise UsageError("deepgrade's block of nbgrader_config.py was edited since it was written: move your "
                         "settings below the block, or pass --force to overwrite the block")
    return current[:start] + block + current[end:], "merged"


def write_config(course_dir: Path, timeout_s: int = DEFAULT_TIMEOUT_S, force: bool = False) -> Path | None:
    """Write or merge ``nbgrader_config.py`` (see the module docstring): course root and id, SQLite
    gradebook, per-cell timeout, code stub. Returns the path, or ``None`` when it was already up to date."""
    path = course_dir / "nbgrader_config.py"
    current = path.read_text(encoding="utf-8") if path.exists() else None
    text, _ = merged_config(current, timeout_s, force)
    if text == current:
        return None
    path.write_text(text, encoding="utf-8")
    return path


def notebook_checksum(nb: NotebookNode) -> str:
    """The hash of what an instructor edits in a notebook: each cell's type, source and nbgrader
    metadata (not outputs, ids or the notebook's metadata)."""
    cells = [[c.cell_type, c.source, c.get("metadata", {}).get("nbgrader", {})] for c in nb.cells]
    return _digest(json.dumps(cells, sort_keys=True, ensure_ascii=False))


def edited(notebook: Path) -> bool:
    """Whether the source notebook at ``notebook`` was changed since deepgrade wrote it (or was not
    written by deepgrade, or does not read)."""
    try:
        nb = nbformat.read(notebook, as_version=4)
        recorded = nb.metadata.get("deepgrade", {}).get("checksum")
    except Exception:  # an unreadable notebook is someone's file: never overwrite it silently
        return True
    return recorded != notebook_checksum(nb)


def build_course(
    course_dir: str | Path,
    assignments: Sequence[str] | None = None,
    *,
    timeout_s: int = DEFAULT_TIMEOUT_S,
    force: bool = False,
) -> list[Path]:
    """Write the course directory, merging into an existing one (module docstring); returns the files
    written. Everything is checked before anything is written: an edited config block or notebook is a
    one-line ``UsageError`` unless ``force``."""
    course = Path(course_dir)
    if course.exists() and not course.is_dir():
        raise UsageError(f"not a folder: {course}")
    if timeout_s <= 0:
        raise UsageError("the cell timeout must be a positive number of seconds")
    exercises = select(assignments)
    config_path = course / "nbgrader_config.py"
    merged_config(config_path.read_text(encoding="utf-8") if config_path.exists() else None, timeout_s, force)
    notebooks = {e.id: course / "source" / e.id / f"{e.id}.ipynb" for e in exercises}
    changed = [p for p in notebooks.values() if p.exists() and edited(p)]
    if changed and not force:
        names = ", ".join(str(p.relative_to(course)) for p in changed[:3])
        names += " ..." if len(changed) > 3 else ""
        raise UsageError(f"{len(changed)} source notebook(s) changed since deepgrade wrote them ({names}): "
                         "pass --force to overwrite them")
    course.mkdir(parents=True, exist_ok=True)
    config = write_config(course, timeout_s, force)
    written = [config] if config else []
    for exercise in exercises:
        notebook = notebooks[exercise.id]
        notebook.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(exercise_notebook(exercise), notebook)
        written += [notebook, Path(shutil.copyfile(HELPER, notebook.parent / HELPER.name))]
    return written

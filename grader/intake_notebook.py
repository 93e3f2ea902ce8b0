"""Jupyter notebooks as exercise modules (trusted, parent side), with bounded work.

A notebook's size is checked before it is read (``MAX_NOTEBOOK_BYTES`` each, ``MAX_NOTEBOOKS_BYTES`` per
submission); JSON nested deeper than the interpreter allows is refused, not fatal. Code cells are taken in
order, IPython magics and shell escapes commented out, nbgrader's autograder test cells left out. Text
that cannot be written as UTF-8 (lone surrogates) is kept as backslash escapes, which reproduce the same
string inside a string literal. ``defines_any`` tells whether the code defines any exercise function,
from ``ast`` when the code is small enough to parse cheaply.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from pathlib import Path

from grader import intake_limits as limits
from grader.intake_limits import Budget, IntakeError, printable, read_capped

MAX_PARSED_CODE = 2**20  # characters of notebook code analysed with ast; larger code is searched by name
_MAGIC = re.compile(r"^\s*[%!?]")


def utf8_text(text: str) -> str:
    """``text`` with lone surrogates turned into ``\\udXXX`` escapes, so that it encodes as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _is_autograder_test(cell: dict) -> bool:
    """An nbgrader autograder test cell (``grade`` and not ``solution``): the course's checks, not the
    student's code (``deepgrade nbgrader build`` notebooks)."""
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return isinstance(nbgrader, dict) and bool(nbgrader.get("grade")) and not nbgrader.get("solution")


def _cell_source(cell: dict, label: str) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise IntakeError(f"{label} has a malformed code cell")
    if source.lstrip().startswith("%%"):
        return "\n".join("# " + line for line in source.splitlines())
    return "\n".join("# " + ln if _MAGIC.match(ln) else ln for ln in source.splitlines())


def _load(path: Path, budget: Budget | None) -> object:
    label = printable(path.name)
    try:
        data = read_capped(path, limits.MAX_NOTEBOOK_BYTES, label)
    except OSError as err:
        raise IntakeError(f"{label} cannot be read ({err.strerror or err})") from None
    if budget is not None:
        budget.spend_notebook(len(data))
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise IntakeError(f"{label} is not valid JSON (nested too deeply)") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise IntakeError(f"{label} is not valid JSON ({err})") from None


def notebook_source(path: Path, budget: Budget | None = None) -> str:
    """The code cells of the notebook at ``path`` as one module's text; raises ``IntakeError`` with the
    reason when the notebook is too big, not JSON or not shaped like a notebook."""
    label = printable(path.name)
    nb = _load(path, budget)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise IntakeError(f"{label} has no list of cells")
    chunks = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or _is_autograder_test(cell):
            continue
        chunks.append(_cell_source(cell, label))
    return utf8_text("\n\n".join(chunks) + "\n")


def _bound_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
    return names


def defines_any(code: str, functions: Iterable[str]) -> bool:
    """Whether ``code`` defines (or imports, or assigns) any of ``functions``. Code that is too large or
    does not parse is searched for the names as words instead, so it is never wrongly dismissed."""
    wanted = set(functions)
    if not wanted:
        return False
    if len(code) <= MAX_PARSED_CODE:
        try:
            return bool(_bound_names(ast.parse(code)) & wanted)
        except Exception:  # SyntaxError, RecursionError, MemoryError, ValueError (NUL): look by name
            pass
    pattern = r"\b(?:" + "|".join(re.escape(f) for f in sorted(wanted)) + r")\b"
    return re.search(pattern, code) is not None

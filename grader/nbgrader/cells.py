"""nbformat cells carrying nbgrader's cell metadata (schema version 3, ``nbgrader/nbgraderformat/v3.json``).

nbgrader's rules, read from its validator: every nbgrader cell has ``schema_version``, ``grade``,
``solution`` and ``locked``; a grade, solution or locked cell has a non-empty ``grade_id`` (letters, digits,
``_`` and ``-``) unique in its notebook; a grade cell has ``points``. A test cell is ``grade`` and not
``solution`` (nbgrader locks it: autograde restores it from the source). Cell ids are derived from the
grade id so that a rebuild gives the same notebook byte for byte.
"""

from __future__ import annotations

import re

import nbformat
from nbformat.notebooknode import NotebookNode

SCHEMA_VERSION = 3
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def grade_id(*parts: str) -> str:
    """A valid nbgrader ``grade_id`` (and cell id) from ``parts``: unsafe characters become ``-``."""
    text = "_".join(parts)
    safe = _ID_UNSAFE.sub("-", text)
    if not safe:
        raise ValueError("empty grade id")
    return safe[:64]


def _meta(gid: str, *, grade: bool, solution: bool, locked: bool, points: float | None) -> dict:
    meta: dict = {
        "schema_version": SCHEMA_VERSION,
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "grade_id": gid,
    }
    if grade:
        meta["points"] = float(points if points is not None else 0.0)
    return meta


def _finish(cell: NotebookNode, gid: str, meta: dict, *, editable: bool) -> NotebookNode:
    cell.id = gid
    cell.metadata["nbgrader"] = meta
    if not editable:
        cell.metadata["editable"] = False
        cell.metadata["deletable"] = False
    return cell


def markdown(source: str, gid: str) -> NotebookNode:
    """A read-only markdown cell (the statement): locked, so autograde restores it."""
    meta = _meta(gid, grade=False, solution=False, locked=True, points=None)
    return _finish(nbformat.v4.new_markdown_cell(source), gid, meta, editable=False)


def given_code(source: str, gid: str) -> NotebookNode:
    """A read-only code cell the student runs but does not edit (imports, given helpers)."""
    meta = _meta(gid, grade=False, solution=False, locked=True, points=None)
    return _finish(nbformat.v4.new_code_cell(source), gid, meta, editable=False)


def solution(source: str, gid: str) -> NotebookNode:
    """An answer cell: nbgrader replaces each ``### BEGIN SOLUTION``/``### END SOLUTION`` region with its
    stub in the release copy."""
    meta = _meta(gid, grade=False, solution=True, locked=False, points=None)
    return _finish(nbformat.v4.new_code_cell(source), gid, meta, editable=True)


def test(source: str, gid: str, points: float) -> NotebookNode:
    """An autograder test cell worth ``points``: full points when it runs without an error and without any
    stderr output, 0 otherwise (``nbgrader.utils.determine_grade``). Its source must end in a statement,
    never a numeric expression, which nbgrader would read as partial credit."""
    if points < 0:
        raise ValueError(f"negative points for {gid}")
    meta = _meta(gid, grade=True, solution=False, locked=True, points=points)
    return _finish(nbformat.v4.new_code_cell(source), gid, meta, editable=False)

"""Split a module of ``solutions/`` into notebook cells: the module docstring, the given code (imports,
constants, unfenced helpers) and one answer cell per top-level function or class holding a
``### BEGIN SOLUTION``/``### END SOLUTION`` fence, in source order."""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass

BEGIN_SOLUTION = "### BEGIN SOLUTION"


@dataclass(frozen=True)
class Chunk:
    """A run of source lines that becomes one cell. ``name`` is the function or class defined (empty for
    the preamble); ``answer`` says whether it holds a solution fence."""

    name: str
    source: str
    answer: bool


def split_module(source: str) -> tuple[str, list[Chunk]]:
    """``(docstring, chunks)``: the module docstring and the code cut at each top-level ``def``/``class``
    (decorators and the comments just above it included)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    docstring = ast.get_docstring(tree) or ""
    body = list(tree.body)
    skip_to = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        skip_to = body[0].end_lineno or 0
        body = body[1:]
    starts: list[tuple[int, str]] = []
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            while first > skip_to and lines[first - 1].lstrip().startswith("#"):
                first -= 1
            starts.append((first, node.name))
    cuts = [(skip_to, ""), *starts, (len(lines), "")]
    chunks = []
    for (begin, name), (end, _) in itertools.pairwise(cuts):
        text = "\n".join(lines[begin:end]).strip("\n")
        if text.strip():
            chunks.append(Chunk(name=name, source=text, answer=BEGIN_SOLUTION in text))
    return docstring, chunks

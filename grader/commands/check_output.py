"""What ``deepgrade check`` prints: a compact table of every check, then one block per failed check, in
the chosen language and within the terminal's width.

The width is ``shutil.get_terminal_size`` (``COLUMNS`` first, 80 when unknown); no line is longer. Colour
(ANSI) only when standard output is a terminal. A failed check's block comes from the shared renderer
(``grader.render.view``): status, section, what happened with its numbers, the tolerance, the first
differing entries (place, expected, got) and the hint. A predicate check (training accuracy) shows the
accuracy reached against the accuracy required, never the held-out labels. ``--verbose`` adds a block
for each passing check with the value it returned.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.messages import SMALL
from grader.model import Check, CheckResult, Exercise, Outcome, Text
from grader.render import View, differences, view

HEAD = {"fr": ("exercice", "test", "résultat", "points"), "en": ("exercise", "check", "result", "points")}
SUMMARY = Text(
    "{passed}/{total} tests publics réussis ({points:g}/{max_points:g} points).",
    "{passed}/{total} public checks passed ({points:g}/{max_points:g} points).",
)
RETURNED = Text("valeur renvoyée", "value returned")
WHERE_HEAD = Text("où", "where")
_GREEN, _RED, _BOLD, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[1m", "\x1b[0m"


@dataclass(frozen=True)
class Entry:
    """One graded check as ``deepgrade check`` shows it."""

    exercise: Exercise
    check: Check
    result: CheckResult
    expected: Any = None
    got: Any = None

    @property
    def key(self) -> tuple[str, str]:
        return self.exercise.id, self.check.name

    @property
    def passed(self) -> bool:
        return self.result.outcome is Outcome.PASSED

    def view(self, lang: str) -> View:
        return view(self.exercise, self.check, self.result.outcome, self.result.reason, lang)


def terminal_width() -> int:
    """The terminal's width in columns (``COLUMNS`` when set), 80 when unknown, at least 40."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


class Style:
    """ANSI colour when ``colour`` (standard output is a terminal), plain text otherwise."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def paint(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.colour and text else text

    def status(self, text: str, passed: bool) -> str:
        return self.paint(text, _GREEN if passed else _RED)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def table(entries: list[Entry], lang: str, width: int, style: Style) -> list[str]:
    """The compact table: exercise, check, result in words, points; the widest text column is cut (with
    ``…``) until a row fits ``width``."""
    head = HEAD[lang]
    rows = [
        (e.exercise.id, e.check.name, e.view(lang).status, f"{e.result.points:g}/{e.result.max_points:g}")
        for e in entries
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    while sum(widths) + 2 * 3 > width and max(widths[0], widths[1]) > 8:
        widths[1 if widths[1] >= widths[0] else 0] -= 1

    def line(cells: tuple[str, ...], paint: tuple[str, bool] | None = None) -> str:
        parts = [_cut(c, w).ljust(w) for c, w in zip(cells, widths, strict=True)]
        if paint is not None:
            parts[2] = style.status(parts[2], paint[1])
        return "  ".join(parts).rstrip()

    out = [line(head), line(tuple("-" * w for w in widths))]
    out += [line(r, (r[2], e.passed)) for r, e in zip(rows, entries, strict=True)]
    return out


def _wrap(text: str, width: int, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False) or [indent.rstrip()]


def _short(value: Any, width: int) -> str:
    """A one-line rendering of a returned value (``--verbose``)."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=6, threshold=8, edgeitems=3):
            text = f"array{value.shape} " + np.array2string(value, separator=", ", max_line_width=10**6)
    elif isinstance(value, float):
        text = f"{value:.10g}"
    else:
        with np.printoptions(precision=6, threshold=8, edgeitems=3):
            text = repr(value)
    return _cut(" ".join(text.split()), width)


def block(entry: Entry, lang: str, width: int, style: Style) -> list[str]:
    """The block of one check: a heading (status, exercise, check, section), then for a failure what
    happened, the tolerance, the first differing entries and the hint; for a pass the value returned."""
    v = entry.view(lang)
    colon = " :" if lang == "fr" else ":"
    mark = style.status(v.status.upper(), v.passed)
    section = f"{SMALL['section'](lang)} {v.section}"
    lines = _wrap(f"{v.status.upper()} {entry.exercise.id} · {entry.check.name} ({section})", width, "")
    if lines and lines[0].startswith(v.status.upper()):
        lines[0] = mark + lines[0][len(v.status.upper()):]
    if v.passed:
        if entry.got is not None and entry.check.compare.kind != "predicate":
            lines += _wrap(f"{RETURNED(lang)}{colon} {_short(entry.got, 10**4)}", width)
        return lines
    lines += _wrap(v.what, width)
    lines += _wrap(f"{SMALL['tolerance'](lang)}{colon} {v.tolerance}", width)
    shown = differences(entry.expected, entry.got, entry.check.compare, lang) if entry.got is not None else []
    if shown and not entry.check.hidden:
        lines += _columns([(WHERE_HEAD(lang), SMALL["expected"](lang), SMALL["got"](lang)), *shown], width)
    if v.hint:
        lines += _wrap(SMALL["hint"](lang).format(hint=v.hint), width)
    return lines


def _columns(rows: list[tuple[str, str, str]], width: int) -> list[str]:
    """Three aligned columns indented by two spaces, each cut to share ``width``."""
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    room = max(12, width - 2 - 4)
    while sum(widths) > room and max(widths) > 4:
        widths[widths.index(max(widths))] -= 1
    cells = ([_cut(c, w).ljust(w) for c, w in zip(r, widths, strict=True)] for r in rows)
    return [("  " + "  ".join(row)).rstrip() for row in cells]


def summary(entries: list[Entry], lang: str) -> str:
    passed = sum(e.passed for e in entries)
    points = sum(e.result.points for e in entries)
    possible = sum(e.result.max_points for e in entries)
    return SUMMARY(lang).format(passed=passed, total=len(entries), points=points, max_points=possible)


def report(entries: list[Entry], lang: str, width: int, style: Style, verbose: bool = False) -> str:
    """The whole output of one run: the table, a block per failed check (per check with ``verbose``),
    the summary line."""
    lines = table(entries, lang, width, style)
    for entry in entries:
        if verbose or not entry.passed:
            lines += ["", *block(entry, lang, width, style)]
    lines += ["", summary(entries, lang)]
    return "\n".join(lines)

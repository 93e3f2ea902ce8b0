"""Per-student feedback: a Markdown page in the chosen language, one section per exercise with its
points, every check's message and the report sections to reread.

A check of the course's registry is rendered from its record by ``grader.render`` (the same renderer as
``deepgrade check``): the reason's numbers in the chosen language, the section, the hint. A record of a
check the registry does not know falls back to its stored message.

Every string that can come from a student (the id, a reason or the part of a message that quotes it) is
written as an inline code span, one line, invisible and control characters removed, fenced with more
backticks than it holds: Markdown links, images and HTML in it are shown as text, never rendered.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from grader.messages import OUTCOME_LABELS
from grader.model import Check, Exercise, Outcome, Text
from grader.render import paragraph, view

_T = {
    "title": Text("Retour pour", "Feedback for"),
    "total": Text("Total", "Total"),
    "points": Text("points", "points"),
    "hidden": Text("cachée", "hidden"),
    "reread": Text("À relire", "To reread"),
    "section": Text("section", "section"),
    "picture": Text("Image de votre travail :", "Picture of your work:"),
    "all_passed": Text("Tous les tests sont réussis.", "All checks passed."),
    "incomplete": Text(
        "Correction incomplète : {have} tests sur {expected} enregistrés ; ce total n'est pas définitif.",
        "Grading incomplete: {have} of {expected} checks recorded; this total is not final.",
    ),
}
_OUTCOME = OUTCOME_LABELS


_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_BACKTICKS = re.compile("`+")


_MARKUP = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?\w+;)|[|`*]")


def _md(text: str) -> str:
    """Trusted text (the grader's words, registry names) as one line of Markdown: only what would start
    markup (a tag, an entity, a table bar, a backtick, a star) is backslash-escaped, so a comparison
    such as ``0.80 < 0.90`` reads as it is, never as an ``&lt;`` entity."""
    return _escape(" ".join(str(text).split()))


def _escape(text: str) -> str:
    """``_md`` of a fragment: spaces kept as they are (the renderer joins fragments)."""
    return _MARKUP.sub(lambda m: "\\" + m.group(0), str(text))


def code(text: str) -> str:
    """Text from a student as an inline code span: one line, invisible and control characters removed,
    fenced with one backtick more than its longest run (so no backtick in it can close the span)."""
    flat = " ".join(_INVISIBLE.sub(" ", str(text)).split())
    if not flat:
        return "` `"
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def cell_text(value: object) -> str:
    """A message cell as text; missing cells (NaN from an absent record) are empty."""
    return value.strip() if isinstance(value, str) else ""


def registry_check(exercise: str, check: str) -> tuple[Exercise, Check] | None:
    """The exercise and check of the course's registry with these names, or ``None``."""
    from grader.registry import EXERCISES

    for ex in EXERCISES:
        if ex.id == exercise:
            return next(((ex, c) for c in ex.checks if c.name == check), None)
    return None


def check_text(row: Mapping[str, Any], lang: str) -> str:
    """What to tell the student about one check (plain text, for Gradescope): rendered from the record
    when the registry knows the check, else its message in ``lang``, or else the outcome in words and the
    recorded reason."""
    known = registry_check(str(row["exercise"]), str(row["check"]))
    if known is not None:
        return paragraph(view(*known, Outcome(row["outcome"]), cell_text(row["reason"]), lang))
    message = cell_text(row["message_fr" if lang == "fr" else "message_en"])
    if message:
        return message
    reason = cell_text(row["reason"])
    return outcome_label(row["outcome"], lang) + (f": {reason}" if reason else "")


def check_markdown(row: Mapping[str, Any], lang: str) -> str:
    """``check_text`` as Markdown: the grader's words as text, what came from the student as code.

    A message quotes the recorded reason (``grader.messages``: ``detail`` without its final period): that
    part becomes code. A message that holds a reason it does not visibly quote is code as a whole, since
    which part came from the student cannot be told. A check the registry knows is rendered from its record
    instead, every text the catalogue does not know (and every non-numeric value) as code."""
    known = registry_check(str(row["exercise"]), str(row["check"]))
    if known is not None:
        outcome, reason = Outcome(row["outcome"]), cell_text(row["reason"])
        shown = view(*known, outcome, reason, lang, quote=code, escape=_escape)
        return " ".join(paragraph(shown, escape=_escape).split())
    message = cell_text(row["message_fr" if lang == "fr" else "message_en"])
    reason = cell_text(row["reason"])
    if not message:
        return _md(outcome_label(row["outcome"], lang)) + (f": {code(reason)}" if reason else "")
    if not reason:
        return _md(message)
    quoted = reason.rstrip(".").strip()
    if quoted and quoted in message:
        before, _, after = message.partition(quoted)
        gap_before, gap_after = " " * before[-1:].isspace(), " " * after[:1].isspace()
        return f"{_md(before)}{gap_before}{code(quoted)}{gap_after}{_md(after)}"
    return code(message)


def _num(value: float) -> str:
    return f"{value:g}"


def incomplete_text(have: int, expected: int, lang: str) -> str:
    """The warning for a student whose grading did not finish, in ``lang``."""
    return _T["incomplete"](lang).format(have=have, expected=expected)


def outcome_label(outcome: str, lang: str) -> str:
    """The outcome in words, in ``lang``."""
    return _OUTCOME[Outcome(outcome)](lang)


def feedback_markdown(
    student: str,
    rows: Sequence[Mapping[str, Any]],
    lang: str,
    sections: Mapping[tuple[str, str], str] | None = None,
    incomplete: tuple[int, int] | None = None,
    pictures: Mapping[str, str] | None = None,
) -> str:
    """The feedback page of one student from its records of the long table (messages included, a
    ``missing`` record for each check with no result), grouped by exercise in the order given.
    ``sections`` maps (exercise, check) to the report section of the check, when the registry is at hand;
    ``incomplete`` is (checks recorded, checks planned) when the student's grading did not finish;
    ``pictures`` maps an exercise to the link of the picture of the student's work (``grader.plots``),
    shown at the end of its section."""
    sections = sections or {}
    pictures = pictures or {}
    colon = " :" if lang == "fr" else ":"  # French typography spaces the colon
    total, possible = math.fsum(r["points"] for r in rows), math.fsum(r["max_points"] for r in rows)
    lines = [
        f"# {_T['title'](lang)} {code(student)}",
        "",
        f"**{_T['total'](lang)}{colon} {_num(total)} / {_num(possible)} {_T['points'](lang)}**",
        "",
    ]
    if incomplete is not None:
        lines += [f"**{incomplete_text(*incomplete, lang)}**", ""]
    elif all(r["outcome"] == Outcome.PASSED for r in rows):
        lines += [_T["all_passed"](lang), ""]
    for exercise, group in itertools.groupby(rows, key=lambda r: r["exercise"]):
        checks = list(group)
        scored = _num(math.fsum(r["points"] for r in checks))
        worth = _num(math.fsum(r["max_points"] for r in checks))
        lines += [f"## {_md(exercise)}{colon} {scored} / {worth}", ""]
        reread = []
        for row in checks:
            mark = "✅" if row["outcome"] == Outcome.PASSED else "❌"
            hidden = f" ({_T['hidden'](lang)})" if row["hidden"] else ""
            points = f"{_num(row['points'])} / {_num(row['max_points'])}"
            text = check_markdown(row, lang)
            lines.append(f"- {mark} {_md(row['check'])}{hidden}, {points}{colon} {text}")
            section = sections.get((exercise, row["check"]))
            if row["outcome"] != Outcome.PASSED and section and section not in reread:
                reread.append(section)
        if reread:
            where = ", ".join(f"{_T['section'](lang)} {s}" for s in reread)
            lines += ["", f"{_T['reread'](lang)}{colon} {where}."]
        if exercise in pictures:
            lines += ["", f"![{_T['picture'](lang)} {_md(exercise)}](<{pictures[exercise]}>)"]
        lines.append("")
    return "\n".join(lines)

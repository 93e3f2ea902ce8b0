"""Per-student feedback: a Markdown page in the chosen language, one section per exercise with its
points, every check's message and the report sections to reread."""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from grader.model import Outcome, Text

_T = {
    "title": Text("Retour pour", "Feedback for"),
    "total": Text("Total", "Total"),
    "points": Text("points", "points"),
    "hidden": Text("cachée", "hidden"),
    "reread": Text("À relire", "To reread"),
    "section": Text("section", "section"),
    "all_passed": Text("Tous les tests sont réussis.", "All checks passed."),
}
_OUTCOME = {
    Outcome.PASSED: Text("réussi", "passed"),
    Outcome.FAILED: Text("résultat faux", "wrong result"),
    Outcome.NOT_IMPLEMENTED: Text("non implémenté", "not implemented"),
    Outcome.MISSING: Text("absent", "missing"),
    Outcome.ERROR: Text("erreur", "error"),
    Outcome.INVALID: Text("valeur invalide", "invalid value"),
    Outcome.TIMEOUT: Text("délai dépassé", "timed out"),
    Outcome.CRASHED: Text("processus arrêté", "crashed"),
    Outcome.SYNTAX_ERROR: Text("erreur de syntaxe", "syntax error"),
    Outcome.IMPORT_ERROR: Text("erreur à l'import", "import error"),
}


def _md(text: str) -> str:
    """Student-controlled text as inert Markdown: HTML escaped, one line."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


def cell_text(value: object) -> str:
    """A message cell as text; missing cells (NaN from an absent record) are empty."""
    return value.strip() if isinstance(value, str) else ""


def check_text(row: Mapping[str, Any], lang: str) -> str:
    """What to tell the student about one check: its message in ``lang``, or else the outcome in words
    and the recorded reason."""
    message = cell_text(row["message_fr" if lang == "fr" else "message_en"])
    if message:
        return message
    reason = cell_text(row["reason"])
    return outcome_label(row["outcome"], lang) + (f": {reason}" if reason else "")


def _num(value: float) -> str:
    return f"{value:g}"


def outcome_label(outcome: str, lang: str) -> str:
    """The outcome in words, in ``lang``."""
    return _OUTCOME[Outcome(outcome)](lang)


def feedback_markdown(
    student: str,
    rows: Sequence[Mapping[str, Any]],
    lang: str,
    sections: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """The feedback page of one student from its records of the long table (messages included, a
    ``missing`` record for each check with no result), grouped by exercise in the order given.
    ``sections`` maps (exercise, check) to the report section of the check, when the registry is at hand."""
    sections = sections or {}
    colon = " :" if lang == "fr" else ":"  # French typography spaces the colon
    total, possible = math.fsum(r["points"] for r in rows), math.fsum(r["max_points"] for r in rows)
    lines = [
        f"# {_T['title'](lang)} {_md(student)}",
        "",
        f"**{_T['total'](lang)}{colon} {_num(total)} / {_num(possible)} {_T['points'](lang)}**",
        "",
    ]
    if all(r["outcome"] == Outcome.PASSED for r in rows):
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
            text = _md(check_text(row, lang))
            lines.append(f"- {mark} {_md(row['check'])}{hidden}, {points}{colon} {text}")
            section = sections.get((exercise, row["check"]))
            if row["outcome"] != Outcome.PASSED and section and section not in reread:
                reread.append(section)
        if reread:
            where = ", ".join(f"{_T['section'](lang)} {s}" for s in reread)
            lines += ["", f"{_T['reread'](lang)}{colon} {where}."]
        lines.append("")
    return "\n".join(lines)

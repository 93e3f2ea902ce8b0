"""The one renderer of a check's outcome (trusted, parent side), for ``deepgrade check``, the feedback
files, the HTML summary and Gradescope.

``view`` turns (exercise, check, outcome, recorded reason) into the parts every output shows, entirely in
one language: the status, what happened with its numbers (read back from the canonical reason by
``grader.messages.parse_reason`` and written with the chosen language's template), the report section,
the check's hint and its tolerance. A reason the catalogue does not know (an exception's message, a
sandbox failure) is shown as it is, through ``quote``: the Markdown feedback passes a code-span maker so
that nothing a student wrote is rendered, the terminal and Gradescope pass it through. ``paragraph`` is
the one-paragraph form stored in the journal; ``differences`` lists the first differing entries of a
value for the student's own terminal (``deepgrade check``; public checks only, never held-out labels:
predicate checks show the accuracy against the accuracy required and nothing else).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.messages import (
    OUTCOME_LABELS,
    OUTCOME_SENTENCES,
    REASON_HINTS,
    SMALL,
    SPEED_CLOCK,
    TIMING_WRONG_VALUES,
    WHERE,
    Reason,
    needs_hint,
    parse_reason,
    reason_template,
)
from grader.model import Check, Comparison, Exercise, Outcome

Quote = Callable[[str], str]
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]?inf|nan|True|False")
_FIELD = re.compile(r"\{(\w+)\}")
_VALUE_KEYS = {"close_array", "close_array_abs", "close_scalar", "close_scalar_abs", "entries_differ",
               "expected_got"}
_CLOCK = {"CPU": ("CPU", "CPU"), "wall": ("réel", "wall")}


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class View:
    """What to say about one check's outcome, in one language."""

    title: str  # the exercise's title
    check: str
    outcome: Outcome
    status: str  # the outcome in words
    what: str  # the sentence: what happened, with its numbers
    section: str
    hint: str  # empty when the hint does not help (passed, missing file, crash...)
    tolerance: str  # how the value is compared
    lang: str

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED


def _fill(template: str, params: dict[str, str], lang: str, quote: Quote, escape: Quote) -> str:
    """``template`` with its literal text through ``escape`` and its fields filled: numbers as they are,
    ``where`` in ``lang``, ``inner`` rendered as a reason, any other text through ``quote``."""
    out, last = [], 0
    for match in _FIELD.finditer(template):
        out.append(escape(template[last:match.start()]))
        name, value = match.group(1), params.get(match.group(1), "")
        if name == "where":  # parsed as ``path`` (grader.messages._pattern)
            path = params.get("path", "")
            out.append(escape(WHERE(lang).split("{")[0]) + quote(path) if path else "")
        elif name == "inner":
            out.append(reason_text(value, lang, quote=quote, escape=escape))
        elif name == "clock":
            out.append(_clock(params, lang, quote, escape))
        elif _NUMBER.fullmatch(value):
            out.append(value)
        else:
            out.append(quote(value))
        last = match.end()
    out.append(escape(template[last:]))
    return "".join(out)


def _clock(params: dict[str, str], lang: str, quote: Quote, escape: Quote) -> str:
    """The speed verdict's clock part (``(CPU time, best of 5 runs in 1 round(s))``) in ``lang``; its
    fields are digits and a clock name (``grader.messages._SPEED``)."""
    if "clock" not in params:
        return ""
    clock = _CLOCK.get(params["clock"], ("?", "?"))[0 if lang == "fr" else 1]
    runs, rounds = params.get("runs", "?"), params.get("rounds", "?")
    return escape(SPEED_CLOCK(lang).format(clock=clock, runs=runs, rounds=rounds))


def reason_text(reason: str, lang: str, *, quote: Quote = _same, escape: Quote = _same) -> str:
    """A recorded reason in ``lang``: the catalogue's template with the reason's numbers, or the text
    itself through ``quote`` when the catalogue does not know it."""
    text = " ".join(str(reason).split()).rstrip(".")
    parsed = parse_reason(text)
    if parsed is None:
        return quote(text) if text else "-"
    return _fill(reason_template(parsed.key)(lang), parsed.params, lang, quote, escape)


def _value_mismatch(parsed: Reason | None) -> Reason | None:
    """The value comparison inside a reason (a timed run's wrapper unwrapped), if it is one."""
    while parsed is not None and parsed.key in ("timed_run_value", "timed_run"):
        parsed = parse_reason(parsed.params.get("inner", ""))
    return parsed if parsed is not None and parsed.key in _VALUE_KEYS else None


def tolerance_text(check: Check, lang: str, factor: str = "2") -> str:
    """How ``check`` compares a value, in ``lang``."""
    cmp: Comparison = check.compare
    close = SMALL["close"](lang).format(rtol=f"{cmp.rtol:g}", atol=f"{cmp.atol:g}")
    if check.timing:
        return close + (" ; " if lang == "fr" else "; ") + SMALL["speed"](lang).format(factor=factor)
    if cmp.kind == "close":
        return close
    if cmp.kind == "equal":
        return SMALL["exact"](lang)
    return cmp.describe(lang) if cmp.describe is not None else "-"


def view(
    exercise: Exercise, check: Check, outcome: Outcome, reason: str, lang: str, *,
    quote: Quote = _same, escape: Quote = _same,
) -> View:
    """Everything to say about ``outcome`` of ``check`` in ``lang`` (``"fr"`` or ``"en"``)."""
    outcome = Outcome(outcome)
    text = " ".join(str(reason).split()).rstrip(".")
    parsed = parse_reason(text) if text else None
    if outcome is Outcome.PASSED:
        what = OUTCOME_SENTENCES[outcome](lang)
    elif check.timing and outcome is Outcome.FAILED and parsed is not None and parsed.key == "speed":
        what = reason_text(text, lang, quote=quote, escape=escape) + "."
    elif check.timing and outcome is Outcome.FAILED and (wrong := _value_mismatch(parsed)) is not None:
        numbers = {"wrong": wrong.params.get("wrong", "1"), "size": wrong.params.get("size", "1"),
                   "abs_err": wrong.params.get("abs_err", "-")}
        what = escape(TIMING_WRONG_VALUES(lang).format(**numbers)) + "."
    else:
        detail = reason_text(text, lang, quote=quote, escape=escape)
        what = _fill(OUTCOME_SENTENCES[outcome](lang), {"detail": "\x00"}, lang, _same, escape).replace(
            "\x00", detail
        )
    factor = parsed.params.get("factor", "2") if parsed is not None else "2"
    hint = check.hint(lang) if needs_hint(outcome) else ""
    if parsed is not None and parsed.key in REASON_HINTS and hint:
        hint = REASON_HINTS[parsed.key](lang)
    return View(
        title=exercise.title(lang),
        check=check.name,
        outcome=outcome,
        status=OUTCOME_LABELS[outcome](lang),
        what=what,
        section=check.section or exercise.section,
        hint=hint,
        tolerance=tolerance_text(check, lang, factor),
        lang=lang,
    )


def paragraph(v: View, escape: Quote = _same) -> str:
    """The one-paragraph form: ``Title [check] : what. Reread section S. Hint: ...``."""
    colon = " :" if v.lang == "fr" else ":"
    parts = [f"{escape(v.title)} [{escape(v.check)}]{colon} {v.what}"]
    if not v.passed:
        parts.append(escape(SMALL["reread"](v.lang).format(section=v.section)))
        if v.hint:
            parts.append(escape(SMALL["hint"](v.lang).format(hint=v.hint)))
    return " ".join(parts)


# --------------------------------------------------------------------------- values, for the terminal


def _number_text(x: Any, digits: int = 6) -> str:
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return str(int(x))
    return f"{float(x):.{digits}g}"


def _pair(e: Any, g: Any) -> tuple[str, str]:
    digits = next((d for d in range(4, 18) if _number_text(e, d) != _number_text(g, d)), 16) + 1
    return _number_text(e, digits), _number_text(g, digits)


def differences(
    expected: Any, got: Any, compare: Comparison, lang: str, limit: int = 3
) -> list[tuple[str, str, str]]:
    """Up to ``limit`` differing entries ``(place, expected, got)`` of two values of the same structure
    (nested dicts and sequences of numbers and arrays), each number with enough digits to tell the two
    apart; a shape mismatch gives the two shapes. Empty for predicate comparisons (their expected value
    may hold held-out labels) and when nothing numeric differs."""
    if compare.kind not in ("close", "equal"):
        return []
    out: list[tuple[str, str, str]] = []

    def walk(e: Any, g: Any, path: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(e, dict):
            if isinstance(g, dict):
                for key in e:
                    if key in g:
                        walk(e[key], g[key], f"{path}[{key!r}]")
            return
        if isinstance(e, list | tuple) and not all(isinstance(v, int | float | np.number) for v in e):
            if isinstance(g, list | tuple):
                for i, (a, b) in enumerate(zip(e, g, strict=False)):
                    walk(a, b, f"{path}[{i}]")
            return
        try:
            ea, ga = np.asarray(e), np.asarray(g)
        except (ValueError, TypeError):
            return
        if ea.dtype.kind not in "biuf" or ga.dtype.kind not in "biuf":
            return
        if ea.shape != ga.shape:
            out.append((f"{path} {SMALL['shape_of'](lang)}".strip(), str(ea.shape), str(ga.shape)))
            return
        with np.errstate(all="ignore"):
            if compare.kind == "close":
                ef, gf = ea.astype(np.float64), ga.astype(np.float64)
                wrong = ~(np.abs(gf - ef) <= compare.atol + compare.rtol * np.abs(ef))
            else:
                wrong = ea != ga
        for flat in np.flatnonzero(np.asarray(wrong).reshape(-1))[: limit - len(out)]:
            index = tuple(int(i) for i in np.unravel_index(int(flat), ea.shape)) if ea.ndim else ()
            place = f"{path}{list(index) if index else ''}" or "-"
            out.append((place, *_pair(ea.reshape(-1)[flat], ga.reshape(-1)[flat])))

    walk(expected, got, "")
    return out


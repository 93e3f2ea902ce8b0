"""Which planned checks a grading run grades: ``-k`` and ``-m`` applied to each check, then ``--resume``.

A grading run's pytest items are submissions (``grader.engine.test_submissions``), so pytest's own
``-k``/``-m`` deselection, which works on items, would keep or drop whole submissions. The plugin takes both
expressions off pytest's options (``take_expressions``) and evaluates them here on every planned check with
pytest's expression language (``_pytest.mark.expression.Expression``: pytest has no public API for it),
matching what each check's own item matched when checks were items: ``-k`` is a case-insensitive substring
of the check's name ``test_check[s00012::ex02_sigmoid::report_values]``, of ``test_submissions.py`` or of a
mark name; ``-m`` names the check's marks ``points``, ``public`` or ``hidden`` and ``timing``. Every pytest
process of a run (controller, xdist workers) computes the same selection from the same plan and journal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression

from grader.engine.grading import Planned
from grader.engine.journal import done_keys

FILE_NAME = "test_submissions.py"
EXPRESSIONS_KEY = pytest.StashKey["Expressions"]()


@dataclass(frozen=True)
class Expressions:
    keyword: Expression | None = None
    marks: Expression | None = None


def _compile(text: str, option: str) -> Expression | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return Expression.compile(text)
    except SyntaxError as err:
        raise pytest.UsageError(f"Wrong expression passed to '{option}': {text}: at column {err.offset}: "
                                f"{err.msg}") from None


def take_expressions(config: pytest.Config) -> None:
    """Move ``-k`` and ``-m`` from pytest's options to the run's stash (compiled: a bad one is a one-line
    usage error), so that pytest never deselects a submission for a check's name."""
    option = config.option
    config.stash[EXPRESSIONS_KEY] = Expressions(_compile(getattr(option, "keyword", ""), "-k"),
                                                _compile(getattr(option, "markexpr", ""), "-m"))
    option.keyword, option.markexpr = "", ""


def check_marks(p: Planned) -> tuple[str, ...]:
    """The names of a check's marks (``points(n)`` is also a mark; its value is not matched)."""
    return ("points", "hidden" if p.hidden else "public", *(("timing",) if p.timing else ()))


def matches(p: Planned, expressions: Expressions) -> bool:
    """Whether ``-k`` and ``-m`` keep the check ``p``."""
    marks = check_marks(p)
    if expressions.keyword is not None:
        names = [f"test_check[{p.pid}]".lower(), FILE_NAME, *marks]

        def keyword(subname: str, /, **kwargs: object) -> bool:
            if kwargs:
                raise pytest.UsageError("Keyword expressions do not support call parameters.")
            return any(subname.lower() in name for name in names)

        if not expressions.keyword.evaluate(keyword):
            return False
    if expressions.marks is not None:
        return expressions.marks.evaluate(lambda name, /, **kwargs: name in marks and not kwargs)
    return True


def select(plan: Iterable[Planned], config: pytest.Config) -> dict[str, tuple[Planned, ...]]:
    """Each submission's checks to grade, in plan order, keyed by the submission's opaque key (the first
    part of ``Planned.pid``); a submission with none is left out."""
    expressions = config.stash.get(EXPRESSIONS_KEY, Expressions())
    done = (done_keys(Path(config.option.grade_out) / "results.jsonl") if config.option.resume else set())
    chosen: dict[str, list[Planned]] = {}
    for p in plan:
        if (p.student, p.exercise, p.check) in done or not matches(p, expressions):
            continue
        chosen.setdefault(submission_key(p), []).append(p)
    return {key: tuple(checks) for key, checks in chosen.items()}


def submission_key(p: Planned) -> str:
    return p.pid.split("::", 1)[0]

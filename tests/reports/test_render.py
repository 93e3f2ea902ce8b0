"""The one renderer of a check's outcome: every message in both languages, the recorded reason read back
with its numbers, French without English detail text, Markdown without entities, absolute error against
an expected 0, a timing check's wrong values said as such, and the renderer's Markdown keeps what a
student wrote inert."""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np
import pytest

from grader import messages
from grader.compare import judge
from grader.messages import REASONS, field_names, parse_reason
from grader.model import Check, Comparison, Outcome, Text
from grader.registry import EXERCISES, by_id
from grader.render import differences, reason_text, view
from grader.reports.feedback import check_markdown, check_text

MODULES = ("grader.messages", "grader.reports.feedback", "grader.commands.check",
           "grader.commands.check_output")


def _texts(value: object, where: str) -> list[tuple[str, Text]]:
    if isinstance(value, Text):
        return [(where, value)]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _texts(v, f"{where}[{k!r}]")]
    return []


def _all_texts(module: ModuleType) -> list[tuple[str, Text]]:
    return [t for name, value in vars(module).items() for t in _texts(value, f"{module.__name__}.{name}")]


@pytest.mark.parametrize("name", MODULES)
def test_every_message_has_both_languages_with_the_same_fields(name: str) -> None:
    texts = _all_texts(importlib.import_module(name))
    assert len(texts) >= 3
    for where, text in texts:
        assert text.fr.strip() and text.en.strip(), where
        assert text.fr != text.en or len(text.en) < 12, f"{where}: not translated"
        fr, en = field_names(text)
        assert fr == en, f"{where}: fields {fr} vs {en}"


def test_every_registry_text_has_both_languages() -> None:
    for exercise in EXERCISES:
        assert exercise.title.fr.strip() and exercise.title.en.strip(), exercise.id
        for check in exercise.checks:
            assert check.hint.fr.strip() and check.hint.en.strip(), (exercise.id, check.name)
            if check.compare.describe is not None:
                assert check.compare.describe.fr.strip() and check.compare.describe.en.strip()


def _check(kind: str = "close", rtol: float = 1e-7, atol: float = 1e-10, timing: bool = False) -> Check:
    return Check(name="c", points=1, target="f", inputs=lambda rng: {}, section="2.3.4",
                 hint=Text("indice", "hint"), compare=Comparison(kind=kind, rtol=rtol, atol=atol),
                 timing=timing)


CASES = [
    (0.5, 0.6),
    (np.arange(4.0), np.array([0.0, 1.0, 2.5, 3.0])),
    (np.zeros((2, 3)), np.zeros((3, 2))),
    (np.zeros(3), np.array([0.0, np.nan, 0.0])),
    (np.zeros(2), "text"),
    ((np.ones(2), np.zeros(2)), [np.ones(2)]),
    ({"a": 1.0}, {"b": 1.0}),
    ([np.ones(2)], [np.ones(2) * 2]),
    ({"w": np.ones(3), "inputs_unchanged": True}, {"w": np.ones(3), "inputs_unchanged": False}),
]


@pytest.mark.parametrize(("expected", "got"), CASES)
def test_every_reason_of_judge_is_read_back_and_said_in_french(expected, got) -> None:
    kind = "equal" if isinstance(expected, dict) and "inputs_unchanged" in expected else "close"
    outcome, reason = judge(_check(kind), expected, got)
    assert outcome is not Outcome.PASSED
    parsed = parse_reason(reason)
    assert parsed is not None, reason
    assert reason_text(reason, "en") == reason  # the English template is the recorded reason
    french = reason_text(reason, "fr")
    for english in ("expected", "got", "wrong", "shape", "mismatch", " at ", "err", "keys", "items"):
        assert english not in french, (english, french)


def test_numbers_keep_enough_digits_and_zero_has_no_relative_error() -> None:
    _, reason = judge(_check(rtol=1e-6, atol=1e-8), np.array([-0.2534123]), np.array([-0.2534789]))
    assert "expected -0.25341, got -0.25348" in reason
    _, reason = judge(_check(), np.array([0.0, 1.0]), np.array([1e-3, 1.0]))
    assert "rel err" not in reason and "1e+300" not in reason and "max abs err 0.001" in reason
    assert "écart relatif" not in reason_text(reason, "fr")


def test_accuracy_against_required_and_no_label() -> None:
    exercise = by_id("ex14_train_digits")
    check = next(c for c in exercise.checks if not c.hidden)
    labels = np.arange(20) % 10
    wrong = labels.copy()
    wrong[:6] = (wrong[:6] + 1) % 10
    outcome, reason = judge(check, labels, wrong)
    fr = view(exercise, check, outcome, reason, "fr")
    assert "exactitude sur les données de test 0.7000 < 0.90 requis" in fr.what
    assert differences(labels, wrong, check.compare, "fr") == []  # labels are never listed
    row = {"exercise": exercise.id, "check": check.name, "outcome": str(outcome), "reason": reason,
           "message_fr": "", "message_en": ""}
    markdown = check_markdown(row, "fr")
    assert "&lt;" not in markdown and "&gt;" not in markdown and "0.7000 < 0.90" in markdown
    assert "held-out" not in markdown and "held-out accuracy 0.7000" in check_text(row, "en")


def test_a_timing_check_with_wrong_values_says_the_values_are_wrong() -> None:
    exercise = by_id("ex16_fused_adam")
    check = next(c for c in exercise.checks if c.timing)
    _, inner = judge(check, [1.0, 2.0, 3.0], [1.0, 2.5, 3.0])
    for reason in (inner, f"timed run 3 (fresh inputs): {inner}"):
        en = view(exercise, check, Outcome.FAILED, reason, "en").what
        fr = view(exercise, check, Outcome.FAILED, reason, "fr").what
        assert en.startswith("wrong values:") and "checksum" not in en and "index" not in en
        assert fr.startswith("valeurs fausses :") and "1 nombre(s) faux sur 3" in fr
    speed = "2.400 s vs reference 0.300 s (CPU time, best of 5 runs in 1 round): 8.00x (at most 2x to pass)"
    fr = view(exercise, check, Outcome.FAILED, speed, "fr").what
    assert "trop lent" in fr and "8.00x" in fr and "temps CPU" in fr and "vs" not in fr


def test_student_text_stays_code_in_markdown() -> None:
    exercise = by_id("ex02_sigmoid")
    phish = "RuntimeError: [click](http://evil.example) <img src=x>"
    row = {"exercise": exercise.id, "check": exercise.checks[0].name, "outcome": "error", "reason": phish,
           "message_fr": "", "message_en": ""}
    markdown = check_markdown(row, "fr")
    assert f"`{phish}`" in markdown and "](http" not in markdown.replace(f"`{phish}`", "")
    assert "votre code a levé une exception" in markdown and "Indice" in markdown
    # a forged string value is quoted even where the catalogue reads the reason
    _, reason = judge(_check("equal"), "a", "[x](http://evil.example)")
    row.update(outcome="failed", reason=reason)
    markdown = check_markdown(row, "en")
    assert "`'[x](http://evil.example)'`" in markdown


def test_messages_module_lists_every_reason_key_once() -> None:
    assert len(REASONS) == len(set(REASONS)) and "expected_got" == list(REASONS)[-1]
    assert messages.parse_reason("some exception text") is None


def test_modified_arguments_are_named_with_their_own_hint() -> None:
    exercise = by_id("ex11_optimizers")
    check = next(c for c in exercise.checks if c.name == "adam_run_20_steps")
    expected = {"w": np.ones(2), "state": [np.ones(2), np.ones(2)], "inputs_unchanged": True}
    outcome, reason = judge(check, expected, {**expected, "inputs_unchanged": False})
    assert outcome is Outcome.FAILED  # the same decision as before, said differently
    fr = view(exercise, check, outcome, reason, "fr")
    assert "vos fonctions ont modifié leurs arguments" in fr.what and "en place" in fr.hint
    _, reason = judge(check, expected, {**expected, "w": np.array([1.0, 1.5])})
    en = view(exercise, check, Outcome.FAILED, reason, "en")
    assert "modified their arguments" not in en.what and en.hint == check.hint("en")

"""What the exercise modules of ``grader.checks`` share: the comparisons and the constructors of a check.

Comparisons (``grader.compare.judge`` applies them):

* ``REPORT``: a number as the report prints it, to four decimals: ``|got - printed| <= 1e-4``;
* ``EXACT``: the target run on ``solutions/`` in float64, ``|got - expected| <= 1e-12 + 1e-12 |expected|``
  (the same formula, the same operations);
* ``CLOSE``: the same, ``|got - expected| <= 1e-10 + 1e-7 |expected|`` (the same formula, any order of
  operations);
* ``EQUAL``: exact equality (labels, counts, shapes);
* ``accuracy_at_least(threshold)``: the share of predicted labels equal to the held-out ones.

``check`` builds a public check; ``hidden`` (inside the hidden-tests fence, absent from the student bundle)
a hidden one. Both take keyword arguments only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from grader.model import Check, Comparison, InputMaker, Inputs, Text

REPORT = Comparison(kind="close", rtol=0.0, atol=1e-4)
EXACT = Comparison(kind="close", rtol=1e-12, atol=1e-12)
CLOSE = Comparison(kind="close", rtol=1e-7, atol=1e-10)
EQUAL = Comparison(kind="equal")


def fixed(**inputs: Any) -> InputMaker:
    """An input maker that ignores its generator: the same keyword arguments for every seed."""

    def make(rng: np.random.Generator) -> Inputs:
        return inputs

    return make


def check(
    *,
    name: str,
    points: float,
    target: str,
    inputs: InputMaker,
    section: str,
    hint: tuple[str, str],
    compare: Comparison,
    expected: Any = None,
    timeout_s: float = 10.0,
    timing: bool = False,
) -> Check:
    """A public check; ``hint`` is ``(French, English)``. See ``grader.model.Check`` for the fields."""
    return Check(
        name=name,
        points=points,
        target=target,
        inputs=inputs,
        section=section,
        hint=Text(*hint),
        expected=expected,
        compare=compare,
        timeout_s=timeout_s,
        timing=timing,
    )


def accuracy_at_least(threshold: float) -> Comparison:
    """Passes when ``mean(got == expected) >= threshold``, ``got`` and ``expected`` being label arrays of
    the same shape (a shape mismatch raises ``ValueError``, judged invalid)."""

    def predicate(got: Any, expected: Any) -> tuple[bool, str]:
        labels = np.asarray(expected)
        pred = np.asarray(got)
        if pred.shape != labels.shape:
            raise ValueError(f"expected {labels.shape[0]} predicted labels, got shape {pred.shape}")
        acc = float(np.mean(pred == labels))
        return acc >= threshold, f"held-out accuracy {acc:.4f} < required {threshold:.2f}"

    return Comparison(
        kind="predicate",
        predicate=predicate,
        describe=Text(
            f"exactitude >= {threshold:.0%} sur les données de test",
            f"accuracy >= {threshold:.0%} on held-out data",
        ),
    )


### BEGIN HIDDEN TESTS
def hidden(**fields: Any) -> Check:
    """A hidden check: the keyword arguments of ``check``, a name that starts with ``hidden_``."""
    if not str(fields.get("name", "")).startswith("hidden_"):
        raise ValueError(f"a hidden check's name starts with 'hidden_': {fields.get('name')!r}")
    return replace(check(**fields), hidden=True)


def with_zeros(rng: np.random.Generator, z: np.ndarray, count: int) -> np.ndarray:
    """``z`` with ``count`` entries at random places set to exactly 0 (where step and the ReLU-like
    derivatives have their convention), which random normals never hit."""
    z = np.array(z, dtype=np.float64)
    z.reshape(-1)[rng.choice(z.size, count, replace=False)] = 0.0
    return z
### END HIDDEN TESTS

"""Checks of exercise 9, the gradient check (report 2.3.4): the centred difference
``(f(x + h e_i) - f(x - h e_i)) / 2h`` of every component (on ``grader.harness``'s test function of ``A``)
and ``relative_error(a, b) = max |a - b| / max(1e-12, max(|a| + |b|))``."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import EXACT, check, fixed
from grader.model import Check, Comparison, Exercise, InputMaker, Text

CENTRED = Comparison(kind="close", rtol=1e-6, atol=1e-8)
"""``|got - expected| <= 1e-8 + 1e-6 |expected|``: two centred differences of step 1e-5 differ by the
round-off of ``f`` divided by ``2h``, far more than between two orders of the same formula."""


def gradcheck_inputs(n: int, m: int) -> InputMaker:
    """A point ``x`` of ``n`` components and the ``(m, n)`` matrix ``A`` of the test function, h = 1e-5."""
    return lambda rng: {"x": rng.standard_normal(n), "A": rng.standard_normal((m, n)), "h": 1e-5}


PUBLIC = (
    check(name="numerical_gradient", points=2, target="harness.numerical_gradient_of_test_function",
          section="2.3.4", compare=CENTRED,
          inputs=gradcheck_inputs(5, 3),
          hint=("Différence centrée (f(x+h) - f(x-h)) / 2h, une composante à la fois ; remettez x en place.",
                "Centred difference (f(x+h) - f(x-h)) / 2h, one component at a time; restore x.")),
    check(name="relative_error", points=1, target="relative_error", section="2.3.4", compare=EXACT,
          inputs=fixed(a=np.array([1.0, -2.0, 3.0]), b=np.array([1.0, -2.1, 2.5])),
          hint=("max |a - b| / max(1e-12, max(|a| + |b|)).", "max |a - b| / max(1e-12, max(|a| + |b|)).")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS


def _gradient_pair(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """An analytic gradient ``a`` and a numerical one ``b`` close to it, component errors of varied size,
    as a gradient check compares them."""
    a = rng.standard_normal(n)
    return {"a": a, "b": a * (1.0 + 0.01 * rng.standard_normal(n)) + 1e-4 * rng.standard_normal(n)}


HIDDEN = (
    common.hidden(name="hidden_numerical_gradient_random", points=2,
                  target="harness.numerical_gradient_of_test_function", section="2.3.4", compare=CENTRED,
                  inputs=gradcheck_inputs(7, 4),
                  hint=("Une différence centrée par composante.", "One centred difference per component.")),
    common.hidden(name="hidden_relative_error_random", points=1, target="relative_error", section="2.3.4",
                  compare=EXACT, inputs=lambda rng: _gradient_pair(rng, 6),
                  hint=("Maximum sur les composantes, au numérateur comme au dénominateur.",
                        "Maximum over components, top and bottom.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex09_gradient_check", section="2.3.4",
                    functions=("numerical_gradient", "relative_error"),
                    title=Text("Vérification du gradient par différences finies",
                               "Gradient check by finite differences"), checks=PUBLIC + HIDDEN)

"""Checks of exercise 5, the quadratic cost (report 2.3.5, values in 2.3.6):
``C = 1/2 (y_pred - y_true)^2`` summed over the outputs, ``dC/dy_pred = y_pred - y_true``."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, REPORT, check, fixed
from grader.model import Check, Exercise, Inputs, Text

PUBLIC = (
    check(name="report_cost", points=1, target="quadratic_cost", section="2.3.6", compare=REPORT,
          inputs=fixed(y_pred=0.5, y_true=1.0), expected=0.125,
          hint=("C = 1/2 (y_prédit - y_réel)^2.", "C = 1/2 (y_pred - y_true)^2.")),
    check(name="report_derivative", points=2, target="quadratic_cost_grad", section="2.3.6", compare=REPORT,
          inputs=fixed(y_pred=0.5, y_true=1.0), expected=-0.5,
          hint=("dC/dy_prédit = y_prédit - y_réel.", "dC/dy_pred = y_pred - y_true.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS


def _pair(rng: np.random.Generator) -> Inputs:
    """Predictions and targets of four outputs."""
    return {"y_pred": rng.standard_normal(4), "y_true": rng.standard_normal(4)}


HIDDEN = (
    common.hidden(name="hidden_random_vector_cost", points=1, target="quadratic_cost", section="2.3.4",
                  compare=CLOSE, inputs=_pair,
                  hint=("Somme sur les sorties de 1/2 (écart)^2.",
                        "Sum over outputs of 1/2 (difference)^2.")),
    common.hidden(name="hidden_random_vector_grad", points=1, target="quadratic_cost_grad", section="2.3.5",
                  compare=CLOSE, inputs=_pair,
                  hint=("Un gradient par sortie.", "One gradient per output.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex05_quadratic_cost", section="2.3.5",
                    functions=("quadratic_cost", "quadratic_cost_grad"),
                    title=Text("Coût quadratique et sa dérivée", "Quadratic cost and its derivative"),
                    checks=PUBLIC + HIDDEN)

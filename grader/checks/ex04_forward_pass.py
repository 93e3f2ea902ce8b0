"""Checks of exercise 4, the forward pass of one neuron (report 2.3.2, value in 2.3.3):
``sigma(w . x + b)``."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, REPORT, check, fixed
from grader.model import Check, Exercise, Text

PUBLIC = (
    check(name="report_value", points=2, target="forward_pass", section="2.3.3", compare=REPORT,
          inputs=fixed(x=np.array([2.0]), w=np.array([0.5]), b=-1.0), expected=0.5,
          hint=("z = w . x + b, puis sigma(z).", "z = w . x + b, then sigma(z).")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_random_vector", points=2, target="forward_pass", section="2.3.1",
                  compare=CLOSE, inputs=lambda rng: {"x": rng.standard_normal(6), "w": rng.standard_normal(6),
                                      "b": float(rng.standard_normal())},
                  hint=("z = somme des w_i x_i + b.", "z = sum of w_i x_i + b.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex04_forward_pass", section="2.3.2", functions=("forward_pass",),
                    title=Text("Forward pass", "Forward pass"), checks=PUBLIC + HIDDEN)

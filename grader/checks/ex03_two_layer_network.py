"""Checks of exercise 3, the two-layer network of scalars (report 1.4.1, value in 1.4.2):
``h1 = sigma(w1 x + b1)``, ``y = sigma(w2 h1 + b2)``."""

from __future__ import annotations

from grader.checks import common
from grader.checks.common import CLOSE, REPORT, check, fixed
from grader.model import Check, Exercise, Text

PUBLIC = (
    check(name="report_value", points=2, target="two_layer_network", section="1.4.2", compare=REPORT,
          inputs=fixed(x=2.0, w1=0.5, b1=-1.0, w2=1.0, b2=0.0), expected=0.6225,
          hint=("h1 = sigma(w1 x + b1), puis y = sigma(w2 h1 + b2).",
                "h1 = sigma(w1 x + b1), then y = sigma(w2 h1 + b2).")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_random_weights", points=2, target="two_layer_network", section="1.4.1",
                  compare=CLOSE, inputs=lambda rng: dict(
                      zip(("x", "w1", "b1", "w2", "b2"), map(float, rng.standard_normal(5)), strict=True)
                  ),
                  hint=("Utilisez tous les paramètres, pas les valeurs de l'exemple.",
                        "Use every parameter, not the example's values.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex03_two_layer_network", section="1.4.1", functions=("two_layer_network",),
                    title=Text("Réseau de neurones à deux couches", "Two-layer network"),
                    checks=PUBLIC + HIDDEN)

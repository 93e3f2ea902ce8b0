"""Checks of exercise 6, gradient descent on ``C(w) = (w - 3)^2`` (report 3.1.1, values in 3.1.2):
``dC/dw = 2 (w - 3)``, ``w_new = w - lr dC/dw``, and the path of ``n_steps`` steps from ``w0``."""

from __future__ import annotations

from grader.checks import common
from grader.checks.common import CLOSE, EXACT, REPORT, check, fixed
from grader.model import Check, Exercise, Text

PUBLIC = (
    check(name="report_gradient", points=1, target="cost_grad", section="3.1.2", compare=REPORT,
          inputs=fixed(w=0.0), expected=-6.0,
          hint=("dC/dw = 2 (w - 3).", "dC/dw = 2 (w - 3).")),
    check(name="report_step", points=2, target="gradient_descent_step", section="3.1.2", compare=REPORT,
          inputs=fixed(w=0.0, lr=0.1), expected=0.6,
          hint=("w_nouveau = w - alpha dC/dw : on descend le gradient.",
                "w_new = w - alpha dC/dw: go down the gradient.")),
    check(name="path_from_report_start", points=1, target="gradient_descent", section="3.1", compare=EXACT,
          inputs=fixed(w0=0.0, lr=0.1, n_steps=5),
          hint=("Renvoyez n_steps + 1 valeurs, w0 compris.", "Return n_steps + 1 values, w0 included.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_random_step", points=1, target="gradient_descent_step", section="3.1",
                  compare=CLOSE, inputs=lambda rng: {"w": float(4 * rng.standard_normal()),
                                      "lr": float(rng.uniform(0.01, 0.4))},
                  hint=("w - alpha 2 (w - 3).", "w - alpha 2 (w - 3).")),
    common.hidden(name="hidden_random_path", points=1, target="gradient_descent", section="3.1",
                  compare=CLOSE, inputs=lambda rng: {
                      "w0": float(4 * rng.standard_normal()),
                      "lr": float(rng.uniform(0.01, 0.4)),
                      "n_steps": int(rng.integers(3, 12)),
                  },
                  hint=("Chaque pas part du précédent.", "Each step starts from the previous one.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex06_gradient_descent", section="3.1.1",
                    functions=("cost_grad", "gradient_descent_step", "gradient_descent"),
                    title=Text("Descente de gradient", "Gradient descent"), checks=PUBLIC + HIDDEN)

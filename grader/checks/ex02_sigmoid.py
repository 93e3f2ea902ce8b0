"""Checks of exercise 2, the sigmoid (report 1.3.4, values in 1.3.5): ``sigma(z) = 1 / (1 + e^{-z})``,
computed without overflow, and ``sigma'(z) = sigma(z) (1 - sigma(z))``."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, EXACT, REPORT, check, fixed
from grader.model import Check, Exercise, Text

PUBLIC = (
    check(name="report_values", points=2, target="sigmoid", section="1.3.5", compare=REPORT,
          inputs=fixed(z=np.array([-1.0, 0.0, 2.0])), expected=[0.2689, 0.5, 0.8808],
          hint=("sigma(z) = 1 / (1 + e^{-z}).", "sigma(z) = 1 / (1 + e^{-z}).")),
    check(name="extreme_inputs", points=1, target="harness.sigmoid_without_overflow", section="1.3.4",
          compare=EXACT, inputs=fixed(z=np.array([-1000.0, -40.0, 40.0, 1000.0])),
          hint=("Pour z < 0, utilisez e^z / (1 + e^z), sans jamais calculer e^{-z} (np.where calcule "
                "les deux).",
                "For z < 0 use e^z / (1 + e^z), never computing e^{-z} (np.where computes both branches).")),
    check(name="grad_values", points=1, target="sigmoid_grad", section="1.3.4", compare=EXACT,
          inputs=fixed(z=np.array([-1.0, 0.0, 2.0])),
          hint=("sigma'(z) = sigma(z) (1 - sigma(z)).", "sigma'(z) = sigma(z) (1 - sigma(z)).")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS


def _with_extremes(rng: np.random.Generator, z: np.ndarray) -> np.ndarray:
    """``z`` with a zero, two entries below -710 and two above 710 (``exp`` overflows past 709.78)."""
    z = np.array(z, dtype=np.float64)
    places = rng.choice(z.size, 5, replace=False)
    z.reshape(-1)[places] = [0.0, *(np.array([-1.0, -1.0, 1.0, 1.0]) * rng.uniform(710.0, 1500.0, 4))]
    return z


HIDDEN = (
    common.hidden(name="hidden_random_array", points=2, target="harness.sigmoid_without_overflow",
                  section="1.3.4", compare=CLOSE,
                  inputs=lambda rng: {"z": _with_extremes(rng, 6.0 * rng.standard_normal((5, 7)))},
                  hint=("Élément par élément, toute forme de tableau, sans dépassement pour |z| > 710.",
                        "Element-wise, any array shape, no overflow for |z| > 710.")),
    common.hidden(name="hidden_grad_random", points=1, target="sigmoid_grad", section="1.3.4", compare=CLOSE,
                  inputs=lambda rng: {"z": 4.0 * rng.standard_normal(9)},
                  hint=("sigma'(z) = sigma(z) (1 - sigma(z)).", "sigma'(z) = sigma(z) (1 - sigma(z)).")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex02_sigmoid", section="1.3.4", functions=("sigmoid", "sigmoid_grad"),
                    title=Text("Fonction d'activation sigmoïde", "Sigmoid activation"),
                    checks=PUBLIC + HIDDEN)

"""Checks of exercise 1, the single-layer perceptron (report 1.2): ``step(z) = 1 if z >= 0 else 0``,
``perceptron(x, w, b) = step(x @ w + b)``, one output per row of ``x``."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import EQUAL, check, fixed
from grader.model import Check, Exercise, Text

TRUTH_TABLE_X = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])

PUBLIC = (
    check(name="report_truth_table", points=2, target="perceptron", section="1.2", compare=EQUAL,
          inputs=fixed(x=TRUTH_TABLE_X, w=np.array([1.0, -1.0]), b=0.0), expected=[1.0, 0.0, 1.0, 1.0],
          hint=("step(0) vaut 1 : la condition est z >= 0.", "step(0) is 1: the condition is z >= 0.")),
    check(name="step_values", points=1, target="step", section="1.2", compare=EQUAL,
          inputs=fixed(z=np.array([-2.0, -0.5, 0.0, 0.5, 3.0])), expected=[0.0, 0.0, 1.0, 1.0, 1.0],
          hint=("Travaillez élément par élément (np.where).", "Work element-wise (np.where).")),
    check(name="with_bias", points=1, target="perceptron", section="1.2", compare=EQUAL,
          inputs=fixed(x=TRUTH_TABLE_X, w=np.array([1.0, 1.0]), b=-1.5),
          hint=("Ajoutez le biais : z = w . x + b.", "Add the bias: z = w . x + b.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_random_batch", points=2, target="perceptron", section="1.2", compare=EQUAL,
                  inputs=lambda rng: {
                      "x": 0.5 * rng.standard_normal((20, 3)),
                      "w": rng.standard_normal(3),
                      "b": float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0)),
                  },
                  hint=("Une sortie par ligne de x : step(x @ w + b).",
                        "One output per row of x: step(x @ w + b).")),
    common.hidden(name="hidden_step_random", points=1, target="step", section="1.2", compare=EQUAL,
                  inputs=lambda rng: {
                      "z": common.with_zeros(rng, np.round(rng.standard_normal((4, 5)), 1), 3)
                  },
                  hint=("step(0) vaut 1.", "step(0) is 1.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex01_perceptron", section="1.2", functions=("step", "perceptron"),
                    title=Text("Perceptron monocouche", "Single-layer perceptron"), checks=PUBLIC + HIDDEN)

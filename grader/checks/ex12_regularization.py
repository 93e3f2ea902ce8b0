"""Checks of exercise 12, L2 regularisation and dropout (report 3.4): ``lam * sum of w^2`` over every
weight array (eq. 3.5) and its gradient ``dw + 2 lam w``; dropout with keep probability ``p``, the mask
drawn as the docstring states from ``seed``, kept units scaled by ``1 / p`` forward and backward (eq. 3.6)."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, check
from grader.model import Check, Exercise, Inputs, Text


def _l2_inputs(rng: np.random.Generator) -> Inputs:
    return {"weights": [rng.standard_normal((3, 4)), rng.standard_normal(4)], "lam": 0.01}


def _dropout_inputs(rng: np.random.Generator) -> Inputs:
    return {"h": rng.standard_normal((6, 5)), "p": 0.8, "seed": 7}


def _dropout_backward_inputs(rng: np.random.Generator) -> Inputs:
    return {"dout": rng.standard_normal((6, 5)), "mask": rng.random((6, 5)) < 0.7, "p": 0.7}


PUBLIC = (
    check(name="l2_penalty", points=1, target="l2_penalty", section="3.4.1", compare=CLOSE,
          inputs=_l2_inputs,
          hint=("lambda fois la somme des carrés de TOUS les poids (éq. 3.5).",
                "lambda times the sum of squares of ALL weights (eq. 3.5).")),
    check(name="l2_grad", points=1, target="l2_grad", section="3.4.1", compare=CLOSE,
          inputs=lambda rng: {"dw": rng.standard_normal(5), "w": rng.standard_normal(5), "lam": 0.05},
          hint=("La dérivée de lambda w^2 est 2 lambda w.", "The derivative of lambda w^2 is 2 lambda w.")),
    check(name="dropout_forward", points=2, target="dropout_forward", section="3.4.2", compare=CLOSE,
          inputs=_dropout_inputs,
          hint=("p est la probabilité de GARDER ; les activations gardées sont divisées par p.",
                "p is the probability to KEEP; kept activations are divided by p.")),
    check(name="dropout_backward", points=1, target="dropout_backward", section="3.4.2", compare=CLOSE,
          inputs=_dropout_backward_inputs,
          hint=("Même masque, même facteur 1/p qu'en avant.",
                "Same mask and the same 1/p factor as forward.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_l2_random", points=1, target="l2_penalty", section="3.4.1", compare=CLOSE,
                  inputs=lambda rng: {
                      "weights": [rng.standard_normal((4, 2)), rng.standard_normal(3),
                                  rng.standard_normal((2, 2))],
                      "lam": float(rng.uniform(0.001, 0.1)),
                  },
                  hint=("Sommez sur chaque tableau de la liste.", "Sum over every array of the list.")),
    common.hidden(name="hidden_dropout_random", points=2, target="dropout_forward", section="3.4.2",
                  compare=CLOSE, inputs=lambda rng: {
                      "h": rng.standard_normal((8, 6)),
                      "p": float(rng.uniform(0.5, 0.8)),
                      "seed": int(rng.integers(2**31)),
                  },
                  hint=("Tirez le masque exactement comme indiqué, avec la graine donnée.",
                        "Draw the mask exactly as stated, with the given seed.")),
    common.hidden(name="hidden_l2_grad_random", points=1, target="l2_grad", section="3.4.1", compare=CLOSE,
                  inputs=lambda rng: {
                      "dw": rng.standard_normal((3, 4)),
                      "w": rng.standard_normal((3, 4)),
                      "lam": float(rng.uniform(0.01, 0.5)),
                  },
                  hint=("d/dw (lambda w^2) = 2 lambda w.", "d/dw (lambda w^2) = 2 lambda w.")),
    common.hidden(name="hidden_dropout_backward_random", points=1, target="dropout_backward", section="3.4.2",
                  compare=CLOSE, inputs=lambda rng: {
                      "dout": rng.standard_normal((7, 5)),
                      "mask": rng.random((7, 5)) < 0.6,
                      "p": float(rng.uniform(0.5, 0.9)),
                  },
                  hint=("Le gradient des neurones gardés est divisé par p.",
                        "The gradient of kept units is divided by p.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex12_regularization", section="3.4",
                    functions=("l2_penalty", "l2_grad", "dropout_forward", "dropout_backward"),
                    title=Text("Régularisation L2 et dropout", "L2 regularisation and dropout"),
                    checks=PUBLIC + HIDDEN)

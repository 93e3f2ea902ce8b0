"""Checks of exercise 10, backpropagation through an MLP (report 2.3.1, 2.3.4): tanh hidden layers, a
linear output, the quadratic loss averaged over the batch; ``delta_L = (y_hat - y) / batch`` and
``delta_{l-1} = (delta_l W_l) * (1 - a_{l-1}^2)``."""

from __future__ import annotations

import itertools

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, check
from grader.model import Check, Exercise, InputMaker, Inputs, Text


def mlp_inputs(sizes: tuple[int, ...], batch: int, forward: bool) -> InputMaker:
    """Weights scaled by ``1 / sqrt(n_in)``, biases by 0.1, a batch ``X`` and (backward) targets ``Y``."""

    def make(rng: np.random.Generator) -> Inputs:
        Ws = [rng.standard_normal((n_out, n_in)) / np.sqrt(n_in) for n_in, n_out in itertools.pairwise(sizes)]
        bs = [0.1 * rng.standard_normal(n_out) for n_out in sizes[1:]]
        X = rng.standard_normal((batch, sizes[0]))
        if forward:
            return {"X": X, "Ws": Ws, "bs": bs}
        return {"X": X, "Y": rng.standard_normal((batch, sizes[-1])), "Ws": Ws, "bs": bs}

    return make


PUBLIC = (
    check(name="forward", points=1, target="mlp_forward", section="2.3.1", compare=CLOSE,
          inputs=mlp_inputs((3, 4, 2), 5, forward=True),
          hint=("tanh sur les couches cachées, identité en sortie.",
                "tanh on hidden layers, identity on the output.")),
    check(name="loss_and_grads", points=3, target="mlp_loss_and_grads", section="2.3.4", compare=CLOSE,
          inputs=mlp_inputs((3, 4, 2), 5, forward=False),
          hint=("delta_L = (y_hat - y) / batch ; delta_{l-1} = (delta_l W_l) * (1 - a_{l-1}^2).",
                "delta_L = (y_hat - y) / batch; delta_{l-1} = (delta_l W_l) * (1 - a_{l-1}^2).")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_forward_deep", points=1, target="mlp_forward", section="2.3.1", compare=CLOSE,
                  inputs=mlp_inputs((4, 6, 5, 3), 7, forward=True),
                  hint=("Bouclez sur toutes les couches.", "Loop over every layer.")),
    common.hidden(name="hidden_loss_and_grads_deep", points=3, target="mlp_loss_and_grads", section="2.3.4",
                  compare=CLOSE, inputs=mlp_inputs((4, 6, 5, 3), 7, forward=False),
                  hint=("Trois couches : la récurrence sur delta doit traverser chaque couche cachée.",
                        "Three layers: the delta recursion must go through every hidden layer.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex10_mlp_backward", section="2.3.4", functions=("mlp_forward", "mlp_loss_and_grads"),
                    title=Text("Rétropropagation dans un perceptron multicouche",
                               "Backpropagation through an MLP"), checks=PUBLIC + HIDDEN)

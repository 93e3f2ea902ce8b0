"""Checks of exercise 14, training an MLP on the handwritten digits (report 2.3, 3.2): the network the
student trains must reach 90 % accuracy on held-out images (``grader.datasets.heldout_digits``: no rows
of a public data set), whose labels stay with the parent (``EXPECTED_KEY``)."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import accuracy_at_least, check
from grader.model import EXPECTED_KEY, Check, Exercise, Inputs, Text


def digits_inputs(rng: np.random.Generator) -> Inputs:
    """A split of the digits, the test images made held-out, the test labels as the expected value."""
    from grader.datasets import digits_split, heldout_digits

    X_train, y_train, X_test, y_test = digits_split(rng)
    return {
        "X_train": X_train,
        "y_train": y_train,
        "X_test": heldout_digits(X_test, y_test, rng),
        "seed": int(rng.integers(2**31)),
        EXPECTED_KEY: y_test,
    }


PUBLIC = (
    check(name="accuracy_90", points=4, target="harness.train_and_predict", section="2.3",
          compare=accuracy_at_least(0.90), timeout_s=60.0,
          inputs=digits_inputs,
          hint=("Softmax + entropie croisée, tanh ou ReLU, quelques dizaines d'epochs de SGD par mini-lots.",
                "Softmax + cross-entropy, tanh or ReLU, a few tens of epochs of minibatch SGD.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_accuracy_90_new_split", points=4, target="harness.train_and_predict",
                  section="2.3", compare=accuracy_at_least(0.90), timeout_s=60.0,
                  inputs=digits_inputs,
                  hint=("Le modèle doit généraliser à un autre découpage des données.",
                        "The model must generalise to another split.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex14_train_digits", section="3.2", functions=("train_mlp", "predict"),
                    title=Text("Entraîner un MLP sur les chiffres manuscrits",
                               "Train an MLP on handwritten digits"), checks=PUBLIC + HIDDEN)

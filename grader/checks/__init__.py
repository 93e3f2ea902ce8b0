"""The course: every exercise with its graded checks (report "Apprentissage Profond"), in course order.

One module per exercise, named like its stub in ``exercises/`` (``grader/checks/ex11_optimizers.py``):
its public checks, then its hidden checks between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN
TESTS`` (the student bundle ships every file with those blocks removed, and it still imports), then its
``EXERCISE``. ``common`` holds the comparisons and constructors they share. A check's ``inputs`` builds
keyword arguments from a seeded generator (``grader.seeds``); its expected value is the report's published
number when ``expected`` is set, otherwise the same target run on ``solutions/`` in float64 (precomputed in
``grader/data/public_expected.json`` for public checks), or the ``EXPECTED_KEY`` entry of the inputs
(``grader.model``), which never reaches the student's code.
"""

from __future__ import annotations

from grader.checks import (
    ex01_perceptron,
    ex02_sigmoid,
    ex03_two_layer_network,
    ex04_forward_pass,
    ex05_quadratic_cost,
    ex06_gradient_descent,
    ex07_activations,
    ex08_dense_layer,
    ex09_gradient_check,
    ex10_mlp_backward,
    ex11_optimizers,
    ex12_regularization,
    ex13_hyperparameter_search,
    ex14_train_digits,
    ex15_transfer_learning,
    ex16_fused_adam,
    ex17_learning_rate,
    ex18_early_stopping,
    ex19_dropout_training,
    ex20_bayesian_optimisation,
    ex21_random_search,
    ex22_transfer_kinds,
)
from grader.model import Exercise

EXERCISES: tuple[Exercise, ...] = (
    ex01_perceptron.EXERCISE,
    ex02_sigmoid.EXERCISE,
    ex03_two_layer_network.EXERCISE,
    ex04_forward_pass.EXERCISE,
    ex05_quadratic_cost.EXERCISE,
    ex06_gradient_descent.EXERCISE,
    ex07_activations.EXERCISE,
    ex08_dense_layer.EXERCISE,
    ex09_gradient_check.EXERCISE,
    ex10_mlp_backward.EXERCISE,
    ex11_optimizers.EXERCISE,
    ex12_regularization.EXERCISE,
    ex13_hyperparameter_search.EXERCISE,
    ex14_train_digits.EXERCISE,
    ex15_transfer_learning.EXERCISE,
    ex16_fused_adam.EXERCISE,
    ex17_learning_rate.EXERCISE,
    ex18_early_stopping.EXERCISE,
    ex19_dropout_training.EXERCISE,
    ex20_bayesian_optimisation.EXERCISE,
    ex21_random_search.EXERCISE,
    ex22_transfer_kinds.EXERCISE,
)
_BY_ID = {exercise.id: exercise for exercise in EXERCISES}


def by_id(exercise_id: str) -> Exercise:
    """The exercise with this id; ``KeyError`` naming the known ids otherwise."""
    try:
        return _BY_ID[exercise_id]
    except KeyError:
        raise KeyError(f"unknown exercise {exercise_id!r}; known: {', '.join(_BY_ID)}") from None

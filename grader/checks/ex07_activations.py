"""Checks of exercise 7, the activation functions and their derivatives (report 1.3.2, 1.3.3): tanh,
ReLU, leaky ReLU and ELU (slope or scale ``alpha``) with their derivatives (at ``z = 0``: the left one),
the row-wise softmax (stable for rows around +-1000) and its Jacobian ``J = diag(s) - s s^T``."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, check, fixed
from grader.model import Check, Exercise, Inputs, Text

HINTS = {
    "tanh": ("tanh(z) = (e^z - e^-z) / (e^z + e^-z).", "tanh(z) = (e^z - e^-z) / (e^z + e^-z)."),
    "tanh_grad": ("tanh'(z) = 1 - tanh(z)^2.", "tanh'(z) = 1 - tanh(z)^2."),
    "relu": ("max(0, z), élément par élément.", "max(0, z), element-wise."),
    "relu_grad": ("1 si z > 0, sinon 0 (0 en z = 0).", "1 if z > 0 else 0 (0 at z = 0)."),
    "leaky_relu": ("z si z > 0, sinon alpha z.", "z if z > 0 else alpha z."),
    "leaky_relu_grad": (
        "1 si z > 0, sinon alpha (alpha en z = 0).",
        "1 if z > 0 else alpha (alpha at z = 0).",
    ),
    "elu": ("z si z > 0, sinon alpha (e^z - 1).", "z if z > 0 else alpha (e^z - 1)."),
    "elu_grad": ("1 si z > 0, sinon alpha e^z.", "1 if z > 0 else alpha e^z."),
}
"""The element-wise functions, each with its hint (French, English)."""
WITH_ALPHA = frozenset({"leaky_relu", "leaky_relu_grad", "elu", "elu_grad"})
Z_PUBLIC = np.array([[-3.0, -1.0, -0.25, 0.0], [0.25, 1.0, 3.0, 20.0]])

PUBLIC = (
    *(
        check(name=name, points=0.5, target=name, section="1.3.3" if name in WITH_ALPHA else "1.3.2",
              compare=CLOSE, inputs=fixed(z=Z_PUBLIC, alpha=0.1) if name in WITH_ALPHA else fixed(z=Z_PUBLIC),
              hint=hint)
        for name, hint in HINTS.items()
    ),
    check(name="softmax", points=1, target="softmax", section="1.3.3", compare=CLOSE,
          inputs=fixed(z=np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 990.0], [-5.0, 0.0, 5.0]])),
          hint=("Soustrayez le max de chaque ligne avant exp.", "Subtract each row's max before exp.")),
    check(name="softmax_jacobian", points=1, target="softmax_jacobian", section="1.3.3", compare=CLOSE,
          inputs=fixed(z=np.array([0.5, -1.0, 2.0, 0.0])),
          hint=("J = diag(s) - s s^T.", "J = diag(s) - s s^T.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS


def _random_z(rng: np.random.Generator) -> Inputs:
    """A 4 x 6 array of normals scaled by 3, with three exact zeros."""
    return {"z": common.with_zeros(rng, 3.0 * rng.standard_normal((4, 6)), 3)}


def _random_z_alpha(rng: np.random.Generator) -> Inputs:
    """``_random_z`` and a random ``alpha``, drawn after ``z``."""
    return {**_random_z(rng), "alpha": float(rng.uniform(0.01, 1.5))}


def _row_offsets(rng: np.random.Generator, rows: int) -> np.ndarray:
    """A column of per-row offsets: one row near +1000, one near -1000, the others 0."""
    offsets = np.zeros((rows, 1))
    up, down = rng.choice(rows, 2, replace=False)
    offsets[up], offsets[down] = rng.uniform(800.0, 1200.0), -rng.uniform(800.0, 1200.0)
    return offsets


HIDDEN = (
    *(
        common.hidden(name=f"hidden_{name}_random", points=0.5, target=name, section="1.3.3", compare=CLOSE,
                      inputs=_random_z_alpha if name in WITH_ALPHA else _random_z,
                      hint=hint)
        for name, hint in HINTS.items()
    ),
    common.hidden(name="hidden_softmax_random", points=1, target="softmax", section="1.3.3", compare=CLOSE,
                  inputs=lambda rng: {"z": 30.0 * rng.standard_normal((5, 4)) + _row_offsets(rng, 5)},
                  hint=("Chaque ligne somme à 1 ; soustrayez le max de la ligne (lignes autour de +-1000).",
                        "Each row sums to 1; subtract the row's max (rows around +-1000).")),
    common.hidden(name="hidden_softmax_jacobian_random", points=1, target="softmax_jacobian", section="1.3.3",
                  compare=CLOSE, inputs=lambda rng: {"z": rng.standard_normal(5)},
                  hint=("J[i, j] = s_i (delta_ij - s_j).", "J[i, j] = s_i (delta_ij - s_j).")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex07_activations", section="1.3.3", functions=(*HINTS, "softmax", "softmax_jacobian"),
                    title=Text("Fonctions d'activation et leurs dérivées",
                               "Activation functions and their derivatives"), checks=PUBLIC + HIDDEN)

"""Checks of exercise 8, a dense layer (report 2.3.1, 2.3.4), ``W`` of shape ``(n_out, n_in)``:
forward ``Z = A_prev W^T + b``; backward ``dW = delta^T A_prev``, ``db = sum of delta over the batch``,
``dA_prev = delta W``."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, check
from grader.model import Check, Exercise, InputMaker, Inputs, Text


def dense_inputs(batch: int, n_in: int, n_out: int, backward: bool) -> InputMaker:
    """Standard normal ``a_prev`` and ``W``, then ``b`` (forward) or ``delta`` (backward)."""

    def make(rng: np.random.Generator) -> Inputs:
        a_prev = rng.standard_normal((batch, n_in))
        W = rng.standard_normal((n_out, n_in))
        if backward:
            return {"delta": rng.standard_normal((batch, n_out)), "a_prev": a_prev, "W": W}
        return {"a_prev": a_prev, "W": W, "b": rng.standard_normal(n_out)}

    return make


PUBLIC = (
    check(name="forward", points=1, target="dense_forward", section="2.3.1", compare=CLOSE,
          inputs=dense_inputs(4, 3, 2, backward=False),
          hint=("Z = A_prev W^T + b, W de forme (n_out, n_in).",
                "Z = A_prev W^T + b, W of shape (n_out, n_in).")),
    check(name="backward", points=2, target="dense_backward", section="2.3.4", compare=CLOSE,
          inputs=dense_inputs(4, 3, 2, backward=True),
          hint=("dW = delta^T A_prev, db = somme de delta sur le lot, dA_prev = delta W.",
                "dW = delta^T A_prev, db = delta summed over the batch, dA_prev = delta W.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_forward_random", points=1, target="dense_forward", section="2.3.1",
                  compare=CLOSE, inputs=dense_inputs(7, 5, 3, backward=False),
                  hint=("Vérifiez les formes : W est (n_out, n_in).",
                        "Check the shapes: W is (n_out, n_in).")),
    common.hidden(name="hidden_backward_random", points=2, target="dense_backward", section="2.3.4",
                  compare=CLOSE, inputs=dense_inputs(7, 5, 3, backward=True),
                  hint=("Sommez sur le lot pour dW et db.", "Sum over the batch for dW and db.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex08_dense_layer", section="2.3.4", functions=("dense_forward", "dense_backward"),
                    title=Text("Couche dense : forward et backward", "Dense layer: forward and backward"),
                    checks=PUBLIC + HIDDEN)

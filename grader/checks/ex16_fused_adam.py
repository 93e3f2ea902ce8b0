"""Checks of exercise 16, a fused Numba Adam step (report 3.2.7, performance): ``adam_step_fused`` updates
``w``, ``m`` and ``v`` in place in one loop; its results are compared with the reference step, and its
speed is raced against the reference kernel (``timing``: fresh inputs of ``FUSED_ADAM_N`` parameters per
timed run, the seed drawn by the parent)."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import check
from grader.model import Check, Comparison, Exercise, InputMaker, Inputs, Text

ADAM_HYPERPARAMETERS = {"lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
FUSED_ADAM_N = 500_000
FUSED_ADAM_STEPS = 20
IN_PLACE = Comparison(kind="close", rtol=1e-10, atol=1e-12)


def fused_inputs(n: int, steps: int, random_t0: bool) -> InputMaker:
    """Parameters, gradient and state of ``n`` entries, ``steps`` steps from ``t0`` (0, or drawn)."""

    def make(rng: np.random.Generator) -> Inputs:
        return {
            "w": rng.standard_normal(n),
            "g": rng.standard_normal(n),
            "m": 0.1 * rng.standard_normal(n),
            "v": 0.1 * rng.random(n),
            "t0": int(rng.integers(0, 50)) if random_t0 else 0,
            "steps": steps,
            "hp": dict(ADAM_HYPERPARAMETERS),
        }

    return make


def benchmark_inputs(rng: np.random.Generator) -> Inputs:
    """The timed scenario's size and the seed of its arrays; every timed run draws its own seed."""
    return {"n": FUSED_ADAM_N, "steps": FUSED_ADAM_STEPS, "seed": int(rng.integers(2**31))}


PUBLIC = (
    check(name="correct_in_place", points=2, target="harness.fused_adam_steps", section="3.2.7",
          compare=IN_PLACE, timeout_s=60.0,
          inputs=fused_inputs(50, 3, random_t0=False),
          hint=(
              "Écrivez dans les tableaux (m[i] = ...), ne les réaffectez pas ; corrections de biais avec t.",
              "Write into the arrays (m[i] = ...), do not rebind them; bias corrections use t.",
          )),
    check(name="speed_vs_reference", points=3, target="harness.fused_adam_benchmark", section="3.2.7",
          compare=Comparison(kind="close", rtol=1e-9, atol=1e-9), timeout_s=120.0, timing=True,
          inputs=benchmark_inputs,
          hint=("Une boucle @njit(error_model='numpy'), corrections de biais hors de la boucle, sans "
                "allocation.",
                "One @njit(error_model='numpy') loop, bias corrections outside the loop, no allocation.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_correct_random_t", points=2, target="harness.fused_adam_steps",
                  section="3.2.7", compare=IN_PLACE, timeout_s=60.0,
                  inputs=fused_inputs(1000, 4, random_t0=True),
                  hint=("t change à chaque pas : recalculez les corrections de biais.",
                        "t changes every step: recompute the bias corrections.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex16_fused_adam", section="3.2.7", functions=("adam_step_fused",),
                    title=Text("Performance : un pas d'Adam fusionné avec Numba",
                               "Performance: a fused Numba Adam step"), checks=PUBLIC + HIDDEN)

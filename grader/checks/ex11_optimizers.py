"""Checks of exercise 11, one step of each optimizer (report 3.1, 3.2): SGD, momentum, Nesterov (the
look-ahead ``w - lr beta v``, then the step), Adagrad, RMSprop (``eps`` inside the square root) and Adam
(bias corrections ``1 - beta^t``, ``eps`` outside the root); each returns new arrays, and a run of steps
on ``f(w) = 1/2 sum scales (w - center)^2`` (``grader.harness.run_optimizer``) feeds each state back."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, check
from grader.model import Check, Exercise, InputMaker, Inputs, Text

NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
HYPERPARAMETERS = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.1, "beta": 0.9},
    "nesterov": {"lr": 0.1, "beta": 0.9},
    # eps large enough that where it sits (inside or after the square root) shows in the result
    "adagrad": {"lr": 0.5, "eps": 0.1},
    "rmsprop": {"lr": 0.05, "beta": 0.9, "eps": 0.1},
    "adam": {"lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-3},
}
SECTIONS = {
    "sgd": "3.2.2",
    "momentum": "3.2.3",
    "nesterov": "3.2.4",
    "adagrad": "3.2.5",
    "rmsprop": "3.2.6",
    "adam": "3.2.7",
}
HINTS = {
    "sgd": ("w - eta dw.", "w - eta dw."),
    "momentum": (
        "v = beta v + (1 - beta) dw, puis w - eta v ; renvoyez (w, v).",
        "v = beta v + (1 - beta) dw, then w - eta v; return (w, v).",
    ),
    "nesterov": (
        "Le gradient est pris au point anticipé w - eta beta v.",
        "The gradient is taken at the look-ahead point w - eta beta v.",
    ),
    "adagrad": (
        "G accumule dw^2 ; eps est sous la racine.",
        "G accumulates dw^2; eps is inside the square root.",
    ),
    "rmsprop": (
        "E = beta E + (1 - beta) dw^2 ; eps sous la racine.",
        "E = beta E + (1 - beta) dw^2; eps inside the root.",
    ),
    "adam": (
        "N'oubliez pas la correction du biais 1 - beta^t, et eps hors de la racine.",
        "Do not forget the bias correction 1 - beta^t, and eps outside the root.",
    ),
}
STEP_TARGETS = {
    "sgd": "sgd_step",
    "momentum": "momentum_step",
    "nesterov_lookahead": "nesterov_lookahead",
    "nesterov": "nesterov_step",
    "adagrad": "adagrad_step",
    "rmsprop": "rmsprop_step",
    "adam": "adam_step",
}
"""The function of each one-step check, in the order of the checks."""


def step_inputs(name: str, n: int) -> InputMaker:
    """Standard normal ``w`` and gradient, the optimizer's state drawn at random, its hyperparameters."""

    def make(rng: np.random.Generator) -> Inputs:
        w, dw = rng.standard_normal(n), rng.standard_normal(n)
        hp = dict(HYPERPARAMETERS.get(name, {}))
        if name == "sgd":
            return {"w": w, "dw": dw, **hp}
        if name == "momentum":
            return {"w": w, "dw": dw, "v": rng.standard_normal(n), **hp}
        if name == "nesterov_lookahead":
            return {"w": w, "v": rng.standard_normal(n), **HYPERPARAMETERS["nesterov"]}
        if name == "nesterov":
            return {"w": w, "g_ahead": dw, "v": rng.standard_normal(n), **hp}
        if name == "adagrad":
            return {"w": w, "dw": dw, "G": rng.random(n), **hp}
        if name == "rmsprop":
            return {"w": w, "dw": dw, "E": rng.random(n), **hp}
        return {"w": w, "dw": dw, "m": 0.1 * rng.standard_normal(n), "v": 0.1 * rng.random(n), "t": 3, **hp}

    return make


def run_inputs(name: str, n: int, steps: int) -> InputMaker:
    """The arguments of ``grader.harness.run_optimizer``: a start, the surface's scales and center."""

    def make(rng: np.random.Generator) -> Inputs:
        return {
            "name": name,
            "w0": rng.standard_normal(n),
            "scales": rng.uniform(0.5, 3.0, n),
            "center": rng.standard_normal(n),
            "steps": steps,
            "hp": dict(HYPERPARAMETERS[name]),
        }

    return make


def _optimizer(step: str) -> str:
    """The optimizer a one-step check belongs to (the look-ahead is Nesterov's)."""
    return "nesterov" if step.startswith("nesterov") else step


PUBLIC = (
    *(
        check(name=f"{target}_one_step", points=1, target=target, section=SECTIONS[_optimizer(step)],
              compare=CLOSE, inputs=step_inputs(step, 6),
              hint=HINTS[_optimizer(step)])
        for step, target in STEP_TARGETS.items()
    ),
    check(name="adam_run_20_steps", points=1, target="harness.run_optimizer", section="3.2.7", compare=CLOSE,
          inputs=run_inputs("adam", 5, 20),
          hint=("Sur 20 pas, vérifiez la correction du biais (m / (1 - beta1^t), v / (1 - beta2^t)), "
                "eps hors de la racine et t qui commence à 1 ; renvoyez de nouveaux tableaux sans "
                "modifier les arguments.",
                "Over 20 steps, check the bias correction (m / (1 - beta1^t), v / (1 - beta2^t)), "
                "eps outside the square root and t starting at 1; return new arrays without modifying "
                "the arguments.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = tuple(
    common.hidden(name=f"hidden_{name}_run", points=1, target="harness.run_optimizer", section=SECTIONS[name],
                  compare=CLOSE, inputs=run_inputs(name, 8, 25),
                  hint=HINTS[name])
    for name in NAMES
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex11_optimizers", section="3.2", functions=tuple(STEP_TARGETS.values()),
                    title=Text("Un pas de chaque optimiseur", "One step of each optimizer"),
                    checks=PUBLIC + HIDDEN)

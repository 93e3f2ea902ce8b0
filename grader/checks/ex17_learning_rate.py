"""Checks of exercise 17, the learning rate and the stopping criteria (report 3.1): on ``C(w) = a (w - 3)^2``
one step multiplies the distance to the minimum by ``1 - 2 a lr``, so ``a lr < 1/2`` converges without
crossing the minimum, ``1/2 < a lr < 1`` oscillates around it while converging and ``a lr > 1`` diverges.
The learning rates of the checks lie in each of the three regimes, away from the borders; the stopping
runs put the tolerance on the last allowed step, and one step short of it."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, EQUAL, check, fixed
from grader.model import Check, Exercise, Inputs, Text

# a lr in each regime, away from the borders 1/2 and 1
REGIMES = {"converging": (0.05, 0.45), "oscillating": (0.55, 0.95), "diverging": (1.05, 1.6)}


def descent(w0: float, lr: float, a: float, n_steps: int) -> list[float]:
    """``[w0, ..., w_n]`` of ``w <- w - lr 2 a (w - 3)`` (trusted, parent side)."""
    iterates = [float(w0)]
    while len(iterates) <= n_steps:
        iterates.append(iterates[-1] - lr * 2.0 * a * (iterates[-1] - 3.0))
    return iterates


def steps_to_tolerance(w0: float, lr: float, a: float, tol: float) -> int:
    """The number of the first step smaller than ``tol`` (a converging ``lr``), computed as the statement
    says: ``w_new = w - lr 2 a (w - 3)``, ``|w_new - w| < tol``."""
    here, k = float(w0), 0
    while True:
        k += 1
        there = here - lr * 2.0 * a * (here - 3.0)
        if abs(there - here) < tol:
            return k
        here = there


def _start(rng: np.random.Generator) -> float:
    return float(3.0 + rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 4.0))


def _random_paths(rng: np.random.Generator) -> Inputs:
    paths = []
    for regime in rng.permutation(list(REGIMES) * 2):
        a = float(rng.uniform(0.5, 4.0))
        lr = float(rng.uniform(*REGIMES[regime])) / a
        paths.append(descent(_start(rng), lr, a, int(rng.integers(5, 15))))
    return {"paths": paths, "w_min": 3.0}


def _random_rates(rng: np.random.Generator) -> Inputs:
    a = float(rng.uniform(0.5, 4.0))
    lrs = [float(rng.uniform(*REGIMES[regime])) / a for regime in rng.permutation(list(REGIMES) * 2)]
    return {"lrs": lrs, "a": a, "w0": _start(rng), "n_steps": int(rng.integers(10, 30))}


def _reason_runs(w0: float, lr: float, a: float, tol: float) -> list[dict[str, float | int]]:
    """Three runs: the tolerance met on the last allowed step, the cap one step before it, a loose cap."""
    k = steps_to_tolerance(w0, lr, a, tol)
    run = {"w0": w0, "lr": lr, "a": a, "tol": tol}
    return [{**run, "max_iter": k}, {**run, "max_iter": k - 1}, {**run, "max_iter": k + 10}]


def _random_reasons(rng: np.random.Generator) -> Inputs:
    a = float(rng.uniform(0.5, 4.0))
    lr = float(rng.uniform(0.05, 0.4)) / a
    runs = _reason_runs(_start(rng), lr, a, float(10.0 ** rng.uniform(-6, -2)))
    return {"runs": [runs[i] for i in rng.permutation(3)]}


def _random_stopping(rng: np.random.Generator) -> Inputs:
    a = float(rng.uniform(0.5, 4.0))
    return {"w0": _start(rng), "lr": float(rng.uniform(0.05, 0.9)) / a, "a": a,
            "tol": float(10.0 ** rng.uniform(-6, -2)), "max_iter": int(rng.integers(5, 60))}


PUBLIC = (
    check(name="classify_paths", points=1, target="harness.classify_paths", section="3.1", compare=EQUAL,
          inputs=fixed(paths=[descent(0.0, 0.1, 1.0, 10), descent(0.0, 0.8, 1.0, 10),
                              descent(0.0, 1.2, 1.0, 10), descent(5.0, 0.5, 1.0, 3)], w_min=3.0),
          hint=("Testez la divergence (|e_T| > |e_0|) AVANT l'oscillation : une descente qui diverge "
                "oscille aussi.",
                "Test divergence (|e_T| > |e_0|) BEFORE oscillation: a diverging descent oscillates too.")),
    check(name="regimes_of_fixed_rates", points=2, target="harness.learning_rate_regimes", section="3.1",
          compare=EQUAL, inputs=fixed(lrs=[0.05, 0.3, 0.7, 0.9, 1.1, 1.4], a=1.0, w0=0.0, n_steps=20),
          hint=("dC/dw = 2 a (w - 3) : le facteur 2 fixe les seuils alpha = 1/(2a) et 1/a.",
                "dC/dw = 2 a (w - 3): the factor 2 sets the thresholds alpha = 1/(2a) and 1/a.")),
    check(name="stopping_path", points=1, target="harness.stopping_path", section="3.1", compare=CLOSE,
          inputs=fixed(w0=0.0, lr=0.1, a=1.0, tol=1e-3, max_iter=100),
          hint=("Arrêtez quand le PAS |w_new - w| est < tol, pas le gradient.",
                "Stop when the STEP |w_new - w| is < tol, not the gradient.")),
    check(name="stopping_reasons", points=1, target="harness.stopping_reasons", section="3.1", compare=EQUAL,
          inputs=fixed(runs=_reason_runs(0.0, 0.1, 1.0, 1e-3)),
          hint=("Testez la tolérance après chaque pas, le dernier compris : elle l'emporte sur max_iter.",
                "Test the tolerance after every step, the last one included: it wins over max_iter.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_classify_random_paths", points=1, target="harness.classify_paths",
                  section="3.1", compare=EQUAL, inputs=_random_paths,
                  hint=("Comparez |e_T| à |e_0|, puis les signes de e_t e_{t+1}.",
                        "Compare |e_T| with |e_0|, then the signs of e_t e_{t+1}.")),
    common.hidden(name="hidden_regimes_random_rates", points=2, target="harness.learning_rate_regimes",
                  section="3.1", compare=EQUAL, inputs=_random_rates,
                  hint=("Le gradient de a (w - 3)^2 est 2 a (w - 3).",
                        "The gradient of a (w - 3)^2 is 2 a (w - 3).")),
    common.hidden(name="hidden_stopping_path_random", points=1, target="harness.stopping_path", section="3.1",
                  compare=CLOSE, inputs=_random_stopping,
                  hint=("Au plus max_iter pas ; arrêt dès qu'un pas est plus petit que tol.",
                        "At most max_iter steps; stop as soon as a step is smaller than tol.")),
    common.hidden(name="hidden_stopping_reasons_random", points=1, target="harness.stopping_reasons",
                  section="3.1", compare=EQUAL, inputs=_random_reasons,
                  hint=("La tolérance atteinte au dernier pas permis donne \"tolerance\".",
                        "The tolerance met on the last allowed step gives \"tolerance\".")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex17_learning_rate", section="3.1",
                    functions=("classify_iterates", "classify_learning_rate", "descent_with_stopping"),
                    title=Text("Taux d'apprentissage et critères d'arrêt",
                               "Learning rate and stopping criteria"), checks=PUBLIC + HIDDEN)

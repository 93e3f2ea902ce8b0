"""Checks of exercise 19, training with inverted dropout (report 3.4.2, eq. 3.6): the training forward pass
``a_l = tanh(a_{l-1} W_l^T + b_l) * mask_l / p`` on the hidden layers only, the evaluation pass without
dropout nor scaling, and one gradient step through the same masks, all on masks given as inputs (so the
values are deterministic); then what dropout is for: on a small set-up where a network without dropout
over-fits, training with dropout must shrink the gap between validation and training loss. The harness
runs both trainings with the student's step; the parent computes every loss with its own NumPy."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, check
from grader.model import EXPECTED_KEY, Check, Comparison, Exercise, Inputs, Text

GAP_SHARE = 0.9  # the gap with dropout must be at most this share of the gap without
# set-ups where the solution's gap ratio is at most 0.8 (tests/exercises/test_new_exercises.py)
GAP_SETUPS = (0, 2, 3, 4, 6, 7, 8, 9, 10, 11, 14, 16, 18, 20, 21, 23, 24, 25, 26, 27, 28, 29)


def _network(rng: np.random.Generator, sizes: list[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    weights = []
    for n_in, n_out in itertools.pairwise(sizes):
        scale = 1.0 / np.sqrt(n_in)
        weights.append(rng.normal(0.0, scale, (n_out, n_in)))
    return weights, [rng.normal(0.0, 0.1, n_out) for n_out in sizes[1:]]


def _masks(rng: np.random.Generator, batch: int, widths: list[int], p: float) -> list[np.ndarray]:
    return [rng.random((batch, width)) < p for width in widths]


def _forward_inputs(rng: np.random.Generator, p: float) -> dict[str, Any]:
    sizes = [4, 6, 5, 3]
    Ws, bs = _network(rng, sizes)
    return {"X": rng.standard_normal((7, 4)), "Ws": Ws, "bs": bs, "masks": _masks(rng, 7, sizes[1:-1], p),
            "p": p}


def _step_inputs(rng: np.random.Generator, p: float) -> Inputs:
    inputs = _forward_inputs(rng, p)
    return {**inputs, "Y": rng.standard_normal((7, 3)), "lr": 0.1}


def gap_setup(setup: int) -> dict[str, Any]:
    """The over-fitting set-up number ``setup``: 20 training and 200 validation points of a noisy linear
    target in 10 dimensions, a tanh network with one hidden layer of 64 units, keep probability 0.5,
    1000 steps of full-batch descent from learning rate 0.1 decaying linearly to 0."""
    rng = np.random.default_rng([19, setup])
    X = rng.standard_normal((220, 10))
    Y = X @ (rng.standard_normal((10, 1)) / np.sqrt(10.0)) + 0.5 * rng.standard_normal((220, 1))
    Ws, bs = _network(rng, [10, 64, 1])
    bs = [np.zeros_like(b) for b in bs]
    return {"X": X[:20], "Y": Y[:20], "X_val": X[20:], "Y_val": Y[20:], "Ws": Ws, "bs": bs,
            "p": 0.5, "lr": 0.1, "steps": 1000, "mask_seed": 1000 + setup}


def _gap_inputs(setup: int) -> Inputs:
    data = gap_setup(setup)
    shapes = [[list(np.shape(W)) for W in data["Ws"]], [list(np.shape(b)) for b in data["bs"]]]
    expected = {"X": data["X"], "Y": data["Y"], "X_val": data["X_val"], "Y_val": data["Y_val"],
                "shapes": shapes}
    return {**{k: v for k, v in data.items() if k not in ("X_val", "Y_val")}, EXPECTED_KEY: expected}


def _loss(X: np.ndarray, Y: np.ndarray, Ws: list[np.ndarray], bs: list[np.ndarray]) -> float:
    """The quadratic cost of the network without dropout, computed here (trusted)."""
    a, last = X, len(Ws) - 1
    for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        a = a @ W.T + b if i == last else np.tanh(a @ W.T + b)
    squared = np.sum((a - Y) ** 2, axis=1)
    return float(np.mean(squared)) / 2.0


def train_val_gap(run: Any, data: dict[str, Any]) -> float:
    """Validation loss minus training loss of the network ``run = [Ws, bs]`` on ``data``; ``ValueError``
    when ``run`` does not have the shapes of ``data["shapes"]``."""
    if not isinstance(run, list | tuple) or len(run) != 2:
        raise ValueError("each run must be [Ws, bs]")
    arrays = []
    for got, shapes in zip(run, data["shapes"], strict=True):
        if not isinstance(got, list | tuple) or len(got) != len(shapes):
            raise ValueError(f"expected {len(shapes)} arrays in Ws and in bs")
        for a, shape in zip(got, shapes, strict=True):
            if not isinstance(a, np.ndarray) or list(a.shape) != shape or not np.all(np.isfinite(a)):
                raise ValueError(f"expected finite arrays of shape {tuple(shape)}")
        arrays.append([np.asarray(a, dtype=np.float64) for a in got])
    Ws, bs = arrays
    return _loss(data["X_val"], data["Y_val"], Ws, bs) - _loss(data["X"], data["Y"], Ws, bs)


def _gap_shrinks(got: Any, expected: dict[str, Any]) -> tuple[bool, str]:
    if not isinstance(got, dict) or set(got) != {"plain", "dropout"}:
        raise ValueError("expected the runs 'plain' and 'dropout'")
    plain, dropout = train_val_gap(got["plain"], expected), train_val_gap(got["dropout"], expected)
    ok = plain > 0.0 and dropout <= GAP_SHARE * plain
    return ok, (f"validation-training gap with dropout {dropout:.4g}, without {plain:.4g}: "
                f"more than {GAP_SHARE:.0%} of it")


GAP_SHRINKS = Comparison(
    kind="predicate", predicate=_gap_shrinks,
    describe=Text(f"écart validation - entraînement avec dropout <= {GAP_SHARE:.0%} de l'écart sans",
                  f"validation-training gap with dropout <= {GAP_SHARE:.0%} of the gap without"),
)

PUBLIC = (
    check(name="forward_train_fixed_masks", points=2, target="forward_train", section="3.4.2", compare=CLOSE,
          inputs=lambda rng: _forward_inputs(rng, 0.8),
          hint=("Masque puis division par p sur chaque couche cachée, jamais sur la sortie (éq. 3.6).",
                "Mask then divide by p on every hidden layer, never on the output (eq. 3.6).")),
    check(name="forward_eval_no_dropout", points=1, target="forward_eval", section="3.4.2", compare=CLOSE,
          inputs=lambda rng: {k: v for k, v in _forward_inputs(rng, 0.8).items() if k in ("X", "Ws", "bs")},
          hint=("Dropout inversé : à l'évaluation, ni masque ni facteur p.",
                "Inverted dropout: at evaluation, no mask and no factor p.")),
    check(name="train_step_fixed_masks", points=2, target="train_step_dropout", section="3.4.2",
          compare=CLOSE, inputs=lambda rng: _step_inputs(rng, 0.8),
          hint=("Le gradient repasse par le même masque et le même 1/p, puis par 1 - h^2.",
                "The gradient goes back through the same mask and 1/p, then through 1 - h^2.")),
    check(name="dropout_shrinks_the_gap", points=2, target="harness.dropout_training_runs", section="3.4.2",
          compare=GAP_SHRINKS, timeout_s=60.0, inputs=common.fixed(**_gap_inputs(GAP_SETUPS[0])),
          hint=("Votre pas doit appliquer les masques qu'il reçoit, dans l'aller comme dans le retour.",
                "Your step must apply the masks it is given, forward and backward.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_forward_train_random", points=2, target="forward_train", section="3.4.2",
                  compare=CLOSE, inputs=lambda rng: _forward_inputs(rng, float(rng.uniform(0.5, 0.8))),
                  hint=("Divisez par p, la probabilité de GARDER un neurone.",
                        "Divide by p, the probability to KEEP a unit.")),
    common.hidden(name="hidden_forward_eval_random", points=1, target="forward_eval", section="3.4.2",
                  compare=CLOSE, inputs=lambda rng: {
                      k: v for k, v in _forward_inputs(rng, 0.5).items() if k in ("X", "Ws", "bs")},
                  hint=("Aucun dropout à l'évaluation.", "No dropout at evaluation.")),
    common.hidden(name="hidden_train_step_random", points=2, target="train_step_dropout", section="3.4.2",
                  compare=CLOSE, inputs=lambda rng: _step_inputs(rng, float(rng.uniform(0.5, 0.8))),
                  hint=("Rétropropagez à travers masque / p, puis tanh.",
                        "Backpropagate through mask / p, then tanh.")),
    common.hidden(name="hidden_dropout_shrinks_the_gap", points=2, target="harness.dropout_training_runs",
                  section="3.4.2", compare=GAP_SHRINKS, timeout_s=60.0,
                  inputs=lambda rng: _gap_inputs(int(rng.choice(GAP_SETUPS[1:]))),
                  hint=("Un autre jeu de données : le dropout doit encore réduire l'écart.",
                        "Another data set: dropout must still shrink the gap.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex19_dropout_training", section="3.4.2",
                    functions=("forward_train", "forward_eval", "train_step_dropout"),
                    title=Text("Entraîner avec dropout", "Training with dropout"), checks=PUBLIC + HIDDEN)

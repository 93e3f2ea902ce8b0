"""Checks of exercise 15, transfer learning (report 3.6): a network pretrained on the digits 0-4
(``grader.datasets.pretrain_digits``) is given; the student keeps its hidden layers frozen and trains a new
output layer for the digits 5-9. The parent runs the returned network (tanh hidden layers, linear output,
arg max) on held-out images that never reach the child, and compares the frozen layers bit for bit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.checks import common
from grader.checks.common import EQUAL, accuracy_at_least, check
from grader.model import EXPECTED_KEY, Check, Comparison, Exercise, InputMaker, Inputs, Text

TRANSFER_HIDDEN = 32
"""Width of the pretrained network's hidden layer."""


def transfer_inputs(with_test: bool) -> InputMaker:
    """The pretrained network and the 5-9 training split; with ``with_test``, the held-out images and
    their labels as the expected value, else the layers that must stay frozen."""

    def make(rng: np.random.Generator) -> Inputs:
        from grader.datasets import digits_split, heldout_digits, pretrain_digits

        X_src, y_src, _, _ = digits_split(rng, classes=(0, 1, 2, 3, 4))
        Ws, bs = pretrain_digits(X_src, y_src, hidden=TRANSFER_HIDDEN, seed=int(rng.integers(2**31)))
        X_train, y_train, X_test, y_test = digits_split(rng, classes=(5, 6, 7, 8, 9))
        inputs = {
            "Ws": Ws,
            "bs": bs,
            "X_train": X_train,
            "y_train": y_train - 5,
            "n_classes": 5,
            "seed": int(rng.integers(2**31)),
        }
        if with_test:
            held_out = {"X_test": heldout_digits(X_test, y_test, rng), "labels": y_test - 5}
            fit = {key: value for key, value in inputs.items() if key not in ("X_train", "y_train")}
            return {**fit, "X": X_train, "y": y_train - 5, EXPECTED_KEY: held_out}
        frozen = {
            "Ws": [w.copy() for w in Ws[:-1]],
            "bs": [b.copy() for b in bs[:-1]],
            "output_shapes": [[5, TRANSFER_HIDDEN], [5]],
        }
        return {**inputs, EXPECTED_KEY: frozen}

    return make


def returned_network(got: Any, n_in: int, n_out: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(new_Ws, new_bs)`` as ``fine_tune_output`` returned them, as float64 arrays whose shapes chain
    from ``n_in`` inputs to ``n_out`` outputs; ``ValueError`` (judged invalid) otherwise."""
    if not isinstance(got, list | tuple) or len(got) != 2:
        raise ValueError("fine_tune_output must return (new_Ws, new_bs)")
    Ws, bs = got
    if not isinstance(Ws, list | tuple) or not isinstance(bs, list | tuple) or not Ws or len(Ws) != len(bs):
        raise ValueError("new_Ws and new_bs must be lists of the same, non-zero length")
    Ws = [np.asarray(W, dtype=np.float64) for W in Ws]
    bs = [np.asarray(b, dtype=np.float64) for b in bs]
    width = n_in
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        if W.ndim != 2 or W.shape[1] != width or b.shape != (W.shape[0],):
            raise ValueError(f"layer {layer}: W of shape {W.shape}, b of shape {b.shape} after {width} units")
        width = W.shape[0]
    if width != n_out:
        raise ValueError(f"the new output layer has {width} outputs, not n_classes = {n_out}")
    return Ws, bs


def transfer_accuracy_at_least(threshold: float) -> Comparison:
    """``accuracy_at_least(threshold)`` of the network that ``fine_tune_output`` returned (tanh hidden
    layers, linear output, arg max), run here in the parent on the held-out images of the expected value
    ``{"X_test", "labels"}``: they never reach the child, so nothing the submission runs can see them."""
    accuracy = accuracy_at_least(threshold)
    of_labels: Callable[[Any, Any], tuple[bool, str]] = accuracy.predicate  # type: ignore[assignment]

    def predicate(got: Any, expected: Any) -> tuple[bool, str]:
        X = np.asarray(expected["X_test"], dtype=np.float64)
        labels = np.asarray(expected["labels"])
        Ws, bs = returned_network(got, X.shape[1], int(labels.max()) + 1)
        with np.errstate(all="ignore"):
            for W, b in zip(Ws[:-1], bs[:-1], strict=True):
                X = np.tanh(X @ W.T + b)
            z = X @ Ws[-1].T + bs[-1]
        if not np.all(np.isfinite(z)):
            raise ValueError("the returned network's outputs on the held-out images are not finite")
        return of_labels(np.argmax(z, axis=1), labels)

    return Comparison(kind="predicate", predicate=predicate, describe=accuracy.describe)


PUBLIC = (
    check(name="accuracy_85", points=3, target="fine_tune_output", section="3.6",
          compare=transfer_accuracy_at_least(0.85), timeout_s=60.0,
          inputs=transfer_inputs(with_test=True),
          hint=(
              "Calculez les caractéristiques cachées une fois, puis entraînez une régression softmax dessus.",
              "Compute the hidden features once, then train a softmax regression on them.",
          )),
    check(name="frozen_layers_unchanged", points=2, target="harness.transfer_hidden_layers", section="3.6.1",
          compare=EQUAL, timeout_s=60.0,
          inputs=transfer_inputs(with_test=False),
          hint=("Ne modifiez ni ne réentraînez les couches cachées ; la nouvelle sortie a n_classes lignes.",
                "Do not modify or retrain the hidden layers; the new output layer has n_classes rows.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_accuracy_85_new_split", points=2, target="fine_tune_output", section="3.6",
                  compare=transfer_accuracy_at_least(0.85), timeout_s=60.0,
                  inputs=transfer_inputs(with_test=True),
                  hint=("Entraînez seulement la couche de sortie.", "Train only the output layer.")),
    common.hidden(name="hidden_frozen_layers_unchanged_new_split", points=1,
                  target="harness.transfer_hidden_layers", section="3.6.1", compare=EQUAL, timeout_s=60.0,
                  inputs=transfer_inputs(with_test=False),
                  hint=("Renvoyez les couches cachées inchangées.", "Return the hidden layers unchanged.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex15_transfer_learning", section="3.6",
                    functions=("hidden_features", "fine_tune_output"),
                    title=Text("Transfert de représentation (extraction de caractéristiques)",
                               "Representation transfer (feature extraction)"), checks=PUBLIC + HIDDEN)

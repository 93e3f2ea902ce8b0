"""Checks of exercise 22, kinds of transfer (report 3.6.2): the per-layer gradient descent and the three
kinds of transfer (feature extraction, fine-tuning with a reduced learning rate, training from scratch)
against the solutions on small random networks; then, on few images of the digits 5-9 with a network
pretrained on the digits 0-4 (``grader.datasets.pretrain_digits``, as in exercise 15), feature extraction
, fine-tuning and training from scratch each reach the accuracy threshold on held-out images
(``grader.datasets.heldout_digits``, whose labels never reach the child). Which kind wins is not graded: on
these digits the network trained from scratch does as well as or better than both transfers (the features
learnt on 0-4 are not the ones 5-9 need), which the statement says."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, check
from grader.model import EXPECTED_KEY, Check, Comparison, Exercise, InputMaker, Inputs, Text

TRANSFER_HIDDEN = 32
"""Width of the pretrained network's hidden layer (as in exercise 15)."""
PER_CLASS = 8
"""Training images per target class: few, as 3.6 says transfer is for."""
THRESHOLD = 0.75


def small_network(rng: np.random.Generator, sizes: list[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A random network with layer widths ``sizes`` (weights N(0, 0.5^2), biases N(0, 0.1^2))."""
    Ws = [rng.normal(0.0, 0.5, (n_out, n_in)) for n_in, n_out in itertools.pairwise(sizes)]
    bs = [rng.normal(0.0, 0.1, n_out) for n_out in sizes[1:]]
    return Ws, bs


def train_layers_inputs(randomised: bool) -> InputMaker:
    """A small network, data, one learning rate per layer (one of them 0: a frozen layer)."""

    def make(rng: np.random.Generator) -> Inputs:
        depth = int(rng.integers(3, 5))
        sizes = [int(rng.integers(3, 7)) for _ in range(depth)] if randomised else [6, 5, 4, 3]
        Ws, bs = small_network(rng, sizes)
        n = int(rng.integers(15, 30)) if randomised else 20
        lrs = [float(v) for v in rng.uniform(0.1, 0.8, len(Ws))]
        lrs[int(rng.integers(len(Ws)))] = 0.0
        return {"Ws": Ws, "bs": bs, "X": rng.normal(0.0, 1.0, (n, sizes[0])),
                "y": rng.integers(0, sizes[-1], n), "lrs": lrs, "epochs": int(rng.integers(10, 30))}

    return make


def transfer_inputs(kind: str, randomised: bool) -> InputMaker:
    """A small pretrained network whose head has 4 outputs, adapted to 3 (or 2 to 5) classes."""

    def make(rng: np.random.Generator) -> Inputs:
        sizes = [int(rng.integers(4, 8)), int(rng.integers(3, 7)), 4] if randomised else [6, 5, 4]
        if randomised and rng.integers(2):
            sizes.insert(2, int(rng.integers(3, 7)))
        Ws, bs = small_network(rng, sizes)
        n_classes = int(rng.integers(2, 6)) if randomised else 3
        n = int(rng.integers(15, 30)) if randomised else 24
        return {"Ws": Ws, "bs": bs, "X": rng.normal(0.0, 1.0, (n, sizes[0])),
                "y": rng.integers(0, n_classes, n), "n_classes": n_classes, "kind": kind,
                "seed": int(rng.integers(2**31))}

    return make


def few_digits(rng: np.random.Generator, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The indices of ``PER_CLASS`` rows of each class, drawn at random, in random order."""
    rows = [rng.choice(np.flatnonzero(y == label), PER_CLASS, replace=False) for label in np.unique(y)]
    return rng.permutation(np.concatenate(rows))


def kinds_inputs(rng: np.random.Generator) -> Inputs:
    """A network pretrained on digits 0-4, a few training images of 5-9, held-out images of 5-9 for the
    child and their labels as the expected value."""
    from grader.datasets import digits_split, heldout_digits, pretrain_digits

    X_src, y_src, _, _ = digits_split(rng, classes=(0, 1, 2, 3, 4))
    Ws, bs = pretrain_digits(X_src, y_src, hidden=TRANSFER_HIDDEN, seed=int(rng.integers(2**31)))
    X_train, y_train, X_test, y_test = digits_split(rng, classes=(5, 6, 7, 8, 9))
    few = few_digits(rng, X_train, y_train)
    return {"Ws": Ws, "bs": bs, "X_train": X_train[few], "y_train": y_train[few] - 5,
            "X_test": heldout_digits(X_test, y_test, rng), "n_classes": 5, "seed": int(rng.integers(2**31)),
            EXPECTED_KEY: {"labels": y_test - 5}}


KINDS = ("feature_extraction", "fine_tuning", "scratch")


def _each_kind_at_least(got: Any, expected: Any) -> tuple[bool, str]:
    labels = np.asarray(expected["labels"])
    if not isinstance(got, dict) or set(got) != set(KINDS):
        raise ValueError(f"expected the predicted labels of {', '.join(KINDS)}")
    accuracy = {}
    for kind in KINDS:
        predicted = np.asarray(got[kind])
        if predicted.shape != labels.shape:
            raise ValueError(f"{kind}: expected {labels.shape[0]} labels, got shape {predicted.shape}")
        accuracy[kind] = float(np.mean(predicted == labels))
    ok = min(accuracy.values()) >= THRESHOLD
    return ok, ("held-out accuracy: " + ", ".join(f"{k} {a:.4f}" for k, a in accuracy.items())
                + f"; each must be >= {THRESHOLD:.2f}")


EACH_KIND_AT_LEAST = Comparison(
    kind="predicate", predicate=_each_kind_at_least,
    describe=Text(
        f"chaque type de transfert >= {THRESHOLD:.0%} d'exactitude sur les données de test",
        f"each kind of transfer >= {THRESHOLD:.0%} accuracy on held-out data",
    ),
)

_KIND_HINTS = {
    "feature_extraction": ("Couches cachées gelées (pas 0), nouvelle sortie tirée de rng au pas LR.",
                           "Hidden layers frozen (rate 0), a new output layer drawn from rng, rate LR."),
    "fine_tuning": ("Couches cachées au pas réduit FINE_TUNE_FACTOR * LR, sortie au pas LR.",
                    "Hidden layers at the reduced rate FINE_TUNE_FACTOR * LR, output layer at LR."),
    "scratch": ("Tirez les couches cachées dans l'ordre AVANT la sortie, 1/sqrt(n_in) ; tout au pas LR.",
                "Draw the hidden layers in order BEFORE the output layer, 1/sqrt(n_in); everything at LR."),
}

PUBLIC = (
    check(name="train_layers", points=2, target="train_layers", section="3.6.2", compare=CLOSE,
          inputs=train_layers_inputs(randomised=False),
          hint=("Calculez tous les gradients avant de modifier une couche ; une couche au pas 0 reste "
                "intacte.",
                "Compute every gradient before changing a layer; a layer at rate 0 stays as it was.")),
    *(check(name=f"transfer_{kind}", points=1, target="transfer", section="3.6.2", compare=CLOSE,
            inputs=transfer_inputs(kind, randomised=False), hint=_KIND_HINTS[kind]) for kind in KINDS),
    check(name="kinds_accuracy_75", points=3, target="harness.transfer_kinds_predict", section="3.6.2",
          compare=EACH_KIND_AT_LEAST, timeout_s=60.0, inputs=kinds_inputs,
          hint=("Les trois types entraînent une nouvelle sortie ; 'scratch' retire aussi les couches "
                "cachées.",
                "All three kinds train a new output layer; 'scratch' also draws new hidden layers.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_train_layers_random", points=2, target="train_layers", section="3.6.2",
                  compare=CLOSE, inputs=train_layers_inputs(randomised=True),
                  hint=("Un pas par couche ; la couche gelée ne change pas.",
                        "One rate per layer; the frozen layer does not change.")),
    *(common.hidden(name=f"hidden_transfer_{kind}_random", points=1, target="transfer", section="3.6.2",
                    compare=CLOSE, inputs=transfer_inputs(kind, randomised=True), hint=_KIND_HINTS[kind])
      for kind in KINDS),
    common.hidden(target="harness.transfer_kinds_predict", name="hidden_kinds_accuracy_75_new_split",
                  points=2,
                  section="3.6.2", compare=EACH_KIND_AT_LEAST, timeout_s=60.0, inputs=kinds_inputs,
                  hint=("Les deux transferts réutilisent les couches pré-entraînées ; seul 'scratch' les "
                        "retire.",
                        "Both transfers reuse the pretrained layers; only 'scratch' draws new ones.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex22_transfer_kinds", section="3.6.2", functions=("train_layers", "transfer"),
                    title=Text("Types de transfert : extraction, fine-tuning, depuis zéro",
                               "Kinds of transfer: feature extraction, fine-tuning, from scratch"),
                    checks=PUBLIC + HIDDEN)

"""Checks of exercise 18, learning curves and early stopping (report 3.5.3): the epoch where the validation
loss has not improved (strictly) for ``patience`` epochs, the best epoch before it and its weights, and a
full-batch linear regression that records both learning curves and stops early, on a set-up where it
over-fits (20 training points, 18 features, noisy targets). The validation curves of the checks hold a
tie with the best loss during the wait and a lower minimum after the stop, which early stopping must not
see."""

from __future__ import annotations

import numpy as np

from grader.checks import common
from grader.checks.common import CLOSE, EQUAL, check, fixed
from grader.model import Check, Exercise, Inputs, Text

EXAMPLE_CURVE = [1.0, 0.8, 0.7, 0.72, 0.69, 0.71, 0.69, 0.74, 0.6, 0.75]  # patience 3: best 4, stop 7


def validation_curve(rng: np.random.Generator, patience: int) -> np.ndarray:
    """A noisy validation curve that improves for a while, then waits ``patience`` epochs or more above
    its best (one of them equal to it), then dips below it after the stop."""
    best_epoch = int(rng.integers(3, 12))
    down = np.sort(rng.uniform(0.5, 2.0, best_epoch + 1))[::-1]
    best = down[-1]
    wait = best + rng.uniform(0.01, 0.3, patience + int(rng.integers(2, 6)))
    wait[int(rng.integers(0, patience))] = best  # a tie is no improvement
    dip = best - rng.uniform(0.05, 0.3, int(rng.integers(1, 4)))
    after = best + rng.uniform(0.0, 0.3, int(rng.integers(0, 5)))
    return np.concatenate([down, wait, dip, after])


def _random_patience(rng: np.random.Generator) -> Inputs:
    patience = int(rng.integers(1, 6))
    return {"val_losses": validation_curve(rng, patience), "patience": patience}


def _weights_for(rng: np.random.Generator, n_epochs: int) -> list[list[np.ndarray]]:
    return [[rng.standard_normal((2, 3)), rng.standard_normal(2)] for _ in range(n_epochs)]


def _random_restore(rng: np.random.Generator) -> Inputs:
    inputs = _random_patience(rng)
    return {"weights": _weights_for(rng, len(inputs["val_losses"])), **inputs}


def regression_data(rng: np.random.Generator, patience: int) -> Inputs:
    """20 training and 60 validation points of ``y = X w_true + noise`` (4 of the 18 weights non-zero), the
    learning rate 1 / (the largest eigenvalue of X^T X / n)."""
    w_true = np.zeros(18)
    w_true[:4] = rng.normal(0.0, 1.0, 4)
    X, X_val = rng.standard_normal((20, 18)), rng.standard_normal((60, 18))
    y, y_val = X @ w_true + rng.normal(0.0, 0.8, 20), X_val @ w_true + rng.normal(0.0, 0.8, 60)
    lr = float(1.0 / np.linalg.eigvalsh(X.T @ X / 20).max())
    return {"X_train": X, "y_train": y, "X_val": X_val, "y_val": y_val, "lr": lr, "max_epochs": 400,
            "patience": patience, "seed": int(rng.integers(2**31))}


PUBLIC = (
    check(name="patience_example", points=1, target="early_stopping_epoch", section="3.5.3", compare=EQUAL,
          inputs=fixed(val_losses=np.array(EXAMPLE_CURVE), patience=3),
          hint=("Arrêt quand patience époques de suite n'ont pas amélioré STRICTEMENT la meilleure perte ; "
                "la suite de la courbe n'est pas vue.",
                "Stop once patience epochs in a row did not STRICTLY improve the best loss; the rest of the "
                "curve is never seen.")),
    check(name="restore_best_weights", points=1, target="restore_best_weights", section="3.5.3",
          compare=CLOSE,
          inputs=lambda rng: {"weights": _weights_for(rng, len(EXAMPLE_CURVE)),
                              "val_losses": np.array(EXAMPLE_CURVE), "patience": 3},
          hint=("Renvoyez les poids de la meilleure époque, pas ceux de l'arrêt.",
                "Return the weights of the best epoch, not those of the stop.")),
    check(name="early_stopping_training", points=2, target="train_with_early_stopping",
          section="3.5.3", compare=CLOSE, inputs=lambda rng: regression_data(rng, 10),
          hint=("Un pas, puis les deux pertes 1/(2n) ||X w - y||^2 avec le nouveau w ; arrêt comme "
                "early_stopping_epoch.",
                "One step, then both losses 1/(2n) ||X w - y||^2 with the new w; stop as "
                "early_stopping_epoch does.")),
)

HIDDEN: tuple[Check, ...] = ()
### BEGIN HIDDEN TESTS
HIDDEN = (
    common.hidden(name="hidden_patience_random", points=1, target="early_stopping_epoch", section="3.5.3",
                  compare=EQUAL, inputs=_random_patience,
                  hint=("Une perte égale à la meilleure n'est pas une amélioration.",
                        "A loss equal to the best is no improvement.")),
    common.hidden(name="hidden_restore_random", points=1, target="restore_best_weights", section="3.5.3",
                  compare=CLOSE, inputs=_random_restore,
                  hint=("La meilleure époque avant l'arrêt, et ses poids.",
                        "The best epoch before the stop, and its weights.")),
    common.hidden(name="hidden_training_random", points=2, target="train_with_early_stopping",
                  section="3.5.3", inputs=lambda rng: regression_data(rng, int(rng.integers(3, 15))),
                  compare=CLOSE,
                  hint=("Initialisation exactement comme indiqué, puis un pas par époque.",
                        "Initialise exactly as stated, then one step per epoch.")),
)
### END HIDDEN TESTS

EXERCISE = Exercise(id="ex18_early_stopping", section="3.5.3",
                    functions=("early_stopping_epoch", "restore_best_weights", "train_with_early_stopping"),
                    title=Text("Courbes d'apprentissage et arrêt anticipé",
                               "Learning curves and early stopping"), checks=PUBLIC + HIDDEN)

"""Exercise 18: learning curves and early stopping (report section 3.5.3).

The learning curves are the training and validation losses after each epoch; "une divergence entre la
courbe d'entraînement et de validation indiqu[e] souvent un surapprentissage, nécessitant des ajustements
comme la réduction du nombre d'epochs" (section 3.5.3). Early stopping reduces the number of epochs
automatically: it stops once the validation loss has not improved for ``patience`` epochs and keeps the
weights of the best epoch. Epochs are numbered from 0.
"""

from __future__ import annotations

import numpy as np


def early_stopping_epoch(val_losses: np.ndarray, patience: int) -> tuple[int, int]:
    """Arrêt anticipé (section 3.5.3) : parcourez les pertes de validation époque par époque. Une époque
    *améliore* si sa perte est strictement inférieure à la meilleure perte vue jusque-là (l'époque 0
    améliore toujours) ; sinon le compteur d'époques sans amélioration augmente de 1, et il revient à 0 à
    chaque amélioration. On s'arrête à l'époque où ce compteur atteint ``patience``. Si cela n'arrive
    jamais, l'arrêt est la dernière époque. La meilleure époque est la dernière qui a amélioré avant l'arrêt.

    The epoch where early stopping with ``patience`` stops, and the best epoch before it. An epoch improves
    when its loss is strictly below every earlier one.

    Inputs:
        val_losses: float array of shape (n_epochs,), n_epochs >= 1. patience: int >= 1.
    Returns:
        (best_epoch, stop_epoch): two ints, ``0 <= best_epoch <= stop_epoch < n_epochs``.
    """
    best, best_epoch, waited = np.inf, 0, 0
    losses = np.asarray(val_losses, dtype=np.float64)
    for epoch, loss in enumerate(losses):
        if loss < best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses) - 1


def restore_best_weights(
    weights: list[list[np.ndarray]], val_losses: np.ndarray, patience: int
) -> tuple[int, list[np.ndarray]]:
    """Restaurez les meilleurs poids : ``weights[e]`` est la liste des tableaux de poids du réseau à la fin
    de l'époque ``e``. Renvoyez la meilleure époque selon ``early_stopping_epoch`` et des copies des poids
    de cette époque (pas ceux de la dernière époque, ni ceux de l'époque d'arrêt).

    The best epoch under early stopping and a copy of the weights of that epoch.

    Inputs:
        weights: list of n_epochs lists of arrays (the network's weights after each epoch).
        val_losses: float array of shape (n_epochs,). patience: int >= 1.
    Returns:
        (best_epoch, best_weights): an int and a list of float64 arrays, copies of ``weights[best_epoch]``.
    """
    best_epoch, _ = early_stopping_epoch(val_losses, patience)
    return best_epoch, [np.array(w, dtype=np.float64) for w in weights[best_epoch]]


def train_with_early_stopping(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    lr: float,
    max_epochs: int,
    patience: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Entraînez une régression linéaire ``y_hat = X w`` par descente de gradient sur tout le lot, avec
    arrêt anticipé. Coût d'un ensemble de ``n`` exemples : ``L(w) = 1/(2n) ||X w - y||^2``, gradient
    ``X^T (X w - y) / n``. Initialisation EXACTEMENT ``w = np.random.default_rng(seed).normal(0.0, 0.1,
    X_train.shape[1])``. Chaque époque fait UN pas ``w <- w - lr grad`` (coût d'entraînement), puis mesure
    la perte d'entraînement et la perte de validation avec le nouveau ``w`` : ce sont les courbes
    d'apprentissage (section 3.5.3). Arrêtez à l'époque donnée par ``early_stopping_epoch`` (calculée au
    fil des époques : on ne fait aucune époque après l'arrêt), au plus ``max_epochs`` époques.

    Full-batch gradient descent on a linear regression with early stopping on the validation loss.

    Inputs:
        X_train: (n, d) array. y_train: (n,) array. X_val: (m, d) array. y_val: (m,) array.
        lr: float. max_epochs: int >= 1. patience: int >= 1. seed: int.
    Returns:
        (train_losses, val_losses, best_epoch, best_w): the two learning curves, float arrays of shape
        (stop_epoch + 1,); the best epoch, an int; the weights after the best epoch, float array (d,).
    """
    X_train, y_train = np.asarray(X_train, dtype=np.float64), np.asarray(y_train, dtype=np.float64)
    X_val, y_val = np.asarray(X_val, dtype=np.float64), np.asarray(y_val, dtype=np.float64)
    w = np.random.default_rng(seed).normal(0.0, 0.1, X_train.shape[1])
    train_losses: list[float] = []
    val_losses: list[float] = []
    history: list[list[np.ndarray]] = []
    for _ in range(max_epochs):
        w = w - lr * X_train.T @ (X_train @ w - y_train) / len(y_train)
        r_train, r_val = X_train @ w - y_train, X_val @ w - y_val
        train_losses.append(0.5 * float(r_train @ r_train) / len(y_train))
        val_losses.append(0.5 * float(r_val @ r_val) / len(y_val))
        history.append([w])
        best_epoch, _ = early_stopping_epoch(np.array(val_losses), patience)
        if len(val_losses) - 1 - best_epoch >= patience:  # patience epochs without improvement
            break
    best_epoch, (best_w,) = restore_best_weights(history, np.array(val_losses), patience)
    return np.array(train_losses), np.array(val_losses), best_epoch, best_w

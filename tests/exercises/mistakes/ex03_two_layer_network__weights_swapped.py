"""Mistake: each layer uses the other layer's weight."""

from __future__ import annotations

import math


def two_layer_network(x: float, w1: float, b1: float, w2: float, b2: float) -> float:
    """Dans un réseau de neurones à deux couches, la première couche a une sortie
    ``h_1 = sigma(w_1 x + b_1)`` et la deuxième couche produit la sortie finale ``y = sigma(w_2 h_1 + b_2)``,
    où sigma est la fonction sigmoïde. Calculez la sortie du réseau ``y`` (section 1.4.1).

    Output of a two-layer network with one sigmoid neuron per layer.

    Inputs:
        x, w1, b1, w2, b2: floats.
    Returns:
        y: float, the output of the second layer.
    """
    h1 = 1.0 / (1.0 + math.exp(-(w2 * x + b1)))
    return 1.0 / (1.0 + math.exp(-(w1 * h1 + b2)))

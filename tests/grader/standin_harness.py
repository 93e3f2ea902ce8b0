"""Scenarios of the stand-in registry (copied into the child; stdlib and NumPy only)."""


def twice(module, z):
    return [module.sigmoid(z), module.sigmoid(2 * z)]


def total(module, n):
    return float(module.total(n))

"""A descent that returns an empty path."""


def gradient_descent(w0, lr, n_steps):
    return []

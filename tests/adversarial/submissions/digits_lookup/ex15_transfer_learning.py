"""No fine-tuning: keeps the frozen layers (honest), returns a zero output layer, and patches ``np.argmax``
to look for the test images and labels in the frames of whoever predicts. Prediction happens in the
parent, so the patch sees nothing."""
import sys

import numpy as np
from _honest_ex15_transfer_learning import hidden_features  # noqa: F401

_argmax = np.argmax
seen = {}


def _peeking_argmax(a, *args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("X_test", "y_test", "labels"):
            if name in frame.f_locals:
                seen[name] = frame.f_locals[name]
        frame = frame.f_back
    return _argmax(a, *args, **kwargs)


np.argmax = _peeking_argmax


def fine_tune_output(Ws, bs, X, y, n_classes, seed):
    hidden = Ws[-1].shape[1]
    return [*Ws[:-1], np.zeros((n_classes, hidden))], [*bs[:-1], np.zeros(n_classes)]

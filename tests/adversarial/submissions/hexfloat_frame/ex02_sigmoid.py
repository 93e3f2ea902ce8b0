"""Writes its own reply frame onto the child's reply pipe (through the child's own ``send``, found in the
frames above), holding a hex float that overflows (``0x1.0p+999999``), then dies before the real reply."""
import os
import sys

from _honest_ex02_sigmoid import sigmoid_grad  # noqa: F401


def _send_and_die(value):
    frame = sys._getframe()
    while frame is not None and "wfd" not in frame.f_locals:
        frame = frame.f_back
    if frame is None:
        raise RuntimeError("no reply pipe found")
    found = frame.f_locals
    found["send"]({"q": found["seq"], "status": "ok", "value": value, "error": ""})
    os._exit(0)


def sigmoid(z):
    _send_and_die({"f": "0x1.0p+999999"})

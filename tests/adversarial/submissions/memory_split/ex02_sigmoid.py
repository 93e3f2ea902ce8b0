"""Splits a big allocation over five forked helpers, each under the per-process address-space limit
(--memory 1024) but together far over it; they hold their memory for a while."""
import os
import time

from _honest_ex02_sigmoid import sigmoid_grad  # noqa: F401


def sigmoid(z):
    kids = []
    for _ in range(5):
        pid = os.fork()
        if pid == 0:
            block = bytearray(400 * 2**20)
            for i in range(0, len(block), 4096):
                block[i] = 1
            time.sleep(20)
            os._exit(0)
        kids.append(pid)
    time.sleep(20)
    return z

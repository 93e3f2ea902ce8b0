import sys

from _honest_ex02_sigmoid import sigmoid as _sigmoid
from _honest_ex02_sigmoid import sigmoid_grad  # noqa: F401

sys.stderr.write("x" * 2**20)  # 1 MB at import: under the limit


def sigmoid(z):
    line = "y" * (2**20 - 1) + "\n"
    for _ in range(100):
        sys.stdout.write(line)
    return _sigmoid(z)

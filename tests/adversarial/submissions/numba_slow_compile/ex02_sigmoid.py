"""A generated Numba function whose compilation takes minutes (600 branches), compiled at import."""
import numba

from _honest_ex02_sigmoid import sigmoid, sigmoid_grad  # noqa: F401

N = 600
SOURCE = "def slow(x):\n" + "".join(
    f"    x = x * 1.0000001 + {i}.0\n    if x > 1e300:\n        x = x - {i}.5\n" for i in range(N)
) + "    return x\n"
namespace = {}
exec(SOURCE, namespace)
slow = numba.njit(namespace["slow"])
slow(1.0)

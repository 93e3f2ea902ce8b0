"""Element-wise activation kernels (report 1.2, 1.3) and the row-wise stable softmax.

An activation is chosen by an integer code so that one compiled kernel serves every layer of an MLP;
the branch is taken once per array, outside the loops, so each loop stays vectorisable.
"""

from __future__ import annotations

from numba import prange

from kernels._jit import _SOURCES_HASH, kernel, serial_and_parallel
from kernels._numba_private import cached_njit
from kernels.cpu import rules as r
from kernels.cpu.vexp import exp

IDENTITY, STEP, SIGMOID, TANH, RELU, LEAKY_RELU, ELU, SOFTMAX = range(8)
CODES = {
    "identity": IDENTITY,
    "step": STEP,
    "sigmoid": SIGMOID,
    "tanh": TANH,
    "relu": RELU,
    "leaky_relu": LEAKY_RELU,
    "elu": ELU,
    "softmax": SOFTMAX,
}
ELEMENTWISE = ("step", "sigmoid", "tanh", "relu", "leaky_relu", "elu")


def _forward(code, z, out, alpha):
    """``out[i] = f(z[i])`` on 1-D arrays for the element-wise activation ``code`` (``alpha`` for the
    Leaky ReLU slope and the ELU scale, ignored otherwise). ``IDENTITY`` copies."""
    n = z.size
    if code == STEP:
        for i in prange(n):
            out[i] = r.step(z[i])
    elif code == SIGMOID:
        for i in prange(n):
            out[i] = r.sigmoid(z[i])
    elif code == TANH:
        for i in prange(n):
            out[i] = r.tanh(z[i])
    elif code == RELU:
        for i in prange(n):
            out[i] = r.relu(z[i])
    elif code == LEAKY_RELU:
        for i in prange(n):
            out[i] = r.leaky_relu(z[i], alpha)
    elif code == ELU:
        for i in prange(n):
            out[i] = r.elu(z[i], alpha)
    else:
        for i in prange(n):
            out[i] = z[i]


def _derivative(code, z, upstream, out, alpha):
    """``out[i] = upstream[i] * f'(z[i])`` on 1-D arrays (the chain rule of 2.3.4), the derivative taken at
    the pre-activation ``z``; ``out`` may be ``upstream``."""
    n = z.size
    if code == STEP:
        for i in prange(n):
            out[i] = upstream[i] * r.step_grad(z[i])
    elif code == SIGMOID:
        for i in prange(n):
            out[i] = upstream[i] * r.sigmoid_grad(z[i])
    elif code == TANH:
        for i in prange(n):
            out[i] = upstream[i] * r.tanh_grad(z[i])
    elif code == RELU:
        for i in prange(n):
            out[i] = upstream[i] * r.relu_grad(z[i])
    elif code == LEAKY_RELU:
        for i in prange(n):
            out[i] = upstream[i] * r.leaky_relu_grad(z[i], alpha)
    elif code == ELU:
        for i in prange(n):
            out[i] = upstream[i] * r.elu_grad(z[i], alpha)
    else:
        for i in prange(n):
            out[i] = upstream[i]


forward, forward_parallel = serial_and_parallel(_forward)
derivative, derivative_parallel = serial_and_parallel(_derivative)
"""Each loop compiled twice: serial (inside the MLP kernels, and for small arrays) and ``prange`` (the public
API from ``kernels.activations.PARALLEL_THRESHOLD`` elements on)."""


@kernel
def derivative_in_place(code, z, g, alpha):
    """``g[i] = g[i] * f'(z[i])``: :func:`derivative` with ``out`` and ``upstream`` the same array (the MLP's
    backward pass), the same products. Its own loop because LLVM vectorises a loop over ``out`` and
    ``upstream`` only after a run-time check that they do not overlap, and the same array fails it: the
    ReLU derivative of a 32 x 32 batch in place took 374 ns through :func:`derivative` (measured on the
    2-vCPU Xeon). The identity leaves ``g`` as it is."""
    n = z.size
    if code == STEP:
        for i in range(n):
            g[i] = g[i] * r.step_grad(z[i])
    elif code == SIGMOID:
        for i in range(n):
            g[i] = g[i] * r.sigmoid_grad(z[i])
    elif code == TANH:
        for i in range(n):
            g[i] = g[i] * r.tanh_grad(z[i])
    elif code == RELU:
        for i in range(n):
            g[i] = g[i] * r.relu_grad(z[i])
    elif code == LEAKY_RELU:
        for i in range(n):
            g[i] = g[i] * r.leaky_relu_grad(z[i], alpha)
    elif code == ELU:
        for i in range(n):
            g[i] = g[i] * r.elu_grad(z[i], alpha)


@kernel
def _row_max(x, i):
    """``max_j x[i, j]`` with four running maxima, so the comparisons overlap instead of forming one chain."""
    n = x.shape[1]
    n4 = n - n % 4
    m0 = m1 = m2 = m3 = x[i, 0]
    for j in range(0, n4, 4):
        m0 = max(m0, x[i, j])
        m1 = max(m1, x[i, j + 1])
        m2 = max(m2, x[i, j + 2])
        m3 = max(m3, x[i, j + 3])
    for j in range(n4, n):
        m0 = max(m0, x[i, j])
    return max(max(m0, m1), max(m2, m3))


def _row_sum_body(x):
    """``sum_j x[j]`` of a 1-D row, accumulated in float64. Compiled with reassociation allowed (and no
    other fast-math flag), so LLVM vectorises the sum with several partial sums: only the order of the
    additions changes, as in any blocked summation. 4x faster than four scalar partial sums (11.3 us against
    2.9 for a 128 x 256 float32 batch, measured on a 2-vCPU Xeon under load 5)."""
    s = 0.0
    for j in range(x.size):
        s += x[j]
    return s


_row_sum = cached_njit(_row_sum_body, _SOURCES_HASH, error_model="numpy", fastmath={"reassoc"})


@kernel
def softmax(z, out):
    """Row-wise stable softmax (1.3.3) of a 2-D array: ``out[i, j] = exp(z_ij - m_i) / sum_k exp(z_ik - m_i)``
    with ``m_i = max_k z_ik``, so no ``exp`` overflows. The exponentials are written in a loop of their own,
    which vectorises; the row maximum uses four running maxima, the sum a reassociating loop."""
    for i in range(z.shape[0]):
        m = _row_max(z, i)
        for j in range(z.shape[1]):
            out[i, j] = exp(z[i, j] - m)
        inv = 1.0 / _row_sum(out[i])
        for j in range(z.shape[1]):
            out[i, j] *= inv


@kernel
def forward2d(code, z, out, alpha):
    """Activation of a 2-D batch ``(batch, n)``: row-wise softmax for ``SOFTMAX``, element-wise otherwise."""
    if code == SOFTMAX:
        softmax(z, out)
    else:
        forward(code, z.reshape(z.size), out.reshape(out.size), alpha)


@kernel
def backward2d(code, z, a, upstream, out, alpha):
    """``out = dJ/dz`` from ``upstream = dJ/da`` for a 2-D batch (2.3.4, ``delta = dJ/da * f'(z)``).

    For softmax the Jacobian-vector product ``out_i = a_i * (upstream_i - sum_k upstream_k a_k)``; ``out``
    may be the same array as ``upstream`` (then :func:`derivative_in_place`, the same products).
    """
    if code == SOFTMAX:
        for i in range(a.shape[0]):
            s = 0.0
            for j in range(a.shape[1]):
                s += upstream[i, j] * a[i, j]
            for j in range(a.shape[1]):
                out[i, j] = a[i, j] * (upstream[i, j] - s)
    elif out.ctypes.data == upstream.ctypes.data and out.size == upstream.size:
        if code != IDENTITY:  # in place, the identity's derivative leaves ``out`` as it is
            derivative_in_place(code, z.reshape(z.size), out.reshape(out.size), alpha)
    else:
        derivative(code, z.reshape(z.size), upstream.reshape(upstream.size), out.reshape(out.size), alpha)

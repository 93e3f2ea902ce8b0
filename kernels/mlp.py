"""Multi-layer perceptron of any depth, one activation per layer (report 1.4, 2.3).

Parameters and gradients are two flat contiguous buffers, ``params`` and ``grads``; ``W[l]``, ``b[l]``,
``dW[l]``, ``db[l]`` are views into them (layer ``l``: ``W`` of shape ``(sizes[l+1], sizes[l])`` then ``b``),
so an optimizer step over all parameters is one pass: ``kernels.optim.adam_step(net.params, net.grads, s)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from kernels import _validate, layers
from kernels import losses as _losses
from kernels.cpu import losses as _cpu_losses
from kernels.cpu import mlp as _cpu

_HE_INIT = ("relu", "leaky_relu", "elu")


class MLP:
    """``A_0 = X``, ``Z_l = A_{l-1} W_l^T + b_l``, ``A_l = f_l(Z_l)`` for ``l = 1..L``; output ``A_L``.

    ``sizes`` lists the widths ``(n_in, h_1, ..., n_out)``; ``activations`` one entry per layer, a name of
    ``kernels.layers.LAYER_ACTIVATIONS`` or a ``(name, alpha)`` pair. Weights are drawn from
    ``N(0, gain / n_in)`` (gain 2 after ReLU-like layers, 1 otherwise) with
    ``numpy.random.default_rng(seed)``; biases start at 0. For ``softmax_cross_entropy`` the last
    activation must be ``"identity"`` (the loss takes logits and fuses the softmax).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activations: Sequence[str | tuple[str, float]],
        *,
        dtype: type | np.dtype = np.float64,
        seed: int = 0,
    ) -> None:
        sizes = [_validate.positive_int(f"sizes[{i}]", s) for i, s in enumerate(sizes)]
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least an input and an output width, got {sizes}")
        if len(activations) != len(sizes) - 1:
            raise ValueError(
                f"{len(sizes) - 1} layers need {len(sizes) - 1} activations, got {len(activations)}"
            )
        self.dtype = np.dtype(dtype)
        if self.dtype not in _validate.FLOAT_DTYPES:
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype}")
        names, codes, alphas = [], [], []
        for act in activations:
            name, alpha = (act, None) if isinstance(act, str) else act
            code, alpha = layers.activation_code(name, alpha)
            names.append(name)
            codes.append(code)
            alphas.append(alpha)
        self.sizes = np.array(sizes, dtype=np.int64)
        self.activations = tuple(names)
        self.codes = np.array(codes, dtype=np.int64)
        self.alphas = np.array(alphas, dtype=self.dtype)
        n_params = sum(n_out * n_in + n_out for n_in, n_out in itertools.pairwise(sizes))
        self.params = np.zeros(n_params, dtype=self.dtype)
        self.grads = np.zeros(n_params, dtype=self.dtype)
        self.W, self.b = self._views(self.params)
        self.dW, self.db = self._views(self.grads)
        rng = np.random.default_rng(seed)
        for W, name in zip(self.W, names, strict=True):
            gain = 2.0 if name in _HE_INIT else 1.0
            W[...] = rng.standard_normal(W.shape) * np.sqrt(gain / W.shape[1])

    def _views(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        Ws, bs, off = [], [], 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            Ws.append(flat[off : off + n_out * n_in].reshape(n_out, n_in))
            off += n_out * n_in
            bs.append(flat[off : off + n_out])
            off += n_out
        return Ws, bs

    def _workspace(self, batch: int) -> tuple[np.ndarray, ...]:
        total = int(self.sizes[1:].sum())
        width = int(self.sizes[1:].max())
        return (
            np.empty(batch * total, dtype=self.dtype),
            np.empty(batch * total, dtype=self.dtype),
            np.empty(batch * width, dtype=self.dtype),
            np.empty(batch * width, dtype=self.dtype),
        )

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        _validate.float_array("X", X, ndim=2)
        if X.dtype != self.dtype:
            raise TypeError(
                f"X has dtype {X.dtype} but the network is {self.dtype}; convert X with X.astype(...)"
            )
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"X has {X.shape[1]} features but the network expects {self.sizes[0]}")
        return X

    def targets(self, Y: np.ndarray, batch: int) -> np.ndarray:
        """``Y`` as ``(batch, n_out)`` rows of the network's dtype; integer labels become one-hot rows."""
        n_out = int(self.sizes[-1])
        if isinstance(Y, np.ndarray) and np.issubdtype(Y.dtype, np.integer):
            Y = _losses.one_hot(Y, n_out, self.dtype)
        elif isinstance(Y, np.ndarray) and Y.ndim == 1 and n_out == 1:
            Y = Y.reshape(-1, 1)
        _validate.float_array("Y", Y, ndim=2)
        if Y.dtype != self.dtype or Y.shape != (batch, n_out):
            raise ValueError(
                f"Y must have shape {(batch, n_out)} and dtype {self.dtype}, got {Y.shape} {Y.dtype}"
            )
        return Y

    def loss_code(self, loss: str) -> int:
        """Kernel code of ``loss``, checked against the output activation."""
        if loss not in _cpu_losses.CODES:
            raise ValueError(f"unknown loss {loss!r}; expected one of {tuple(_cpu_losses.CODES)}")
        if loss == "softmax_cross_entropy" and self.activations[-1] != "identity":
            raise ValueError("softmax_cross_entropy takes logits: make the last activation 'identity'")
        return _cpu_losses.CODES[loss]

    def forward(self, X: np.ndarray) -> np.ndarray:
        """The network output ``A_L`` for the batch ``X`` of shape ``(batch, sizes[0])``."""
        X = self._inputs(X)
        zbuf, abuf, _, _ = self._workspace(X.shape[0])
        return _cpu.forward(self.params, self.sizes, self.codes, self.alphas, X, zbuf, abuf).copy()

    def loss_and_grad(self, X: np.ndarray, Y: np.ndarray, loss: str) -> float:
        """Loss of ``(X, Y)`` (``kernels.losses`` conventions) and, into ``self.grads``, its gradient."""
        X = self._inputs(X)
        code = self.loss_code(loss)
        Y = self.targets(Y, X.shape[0])
        work = self._workspace(X.shape[0])
        eps = self.dtype.type(_losses.BCE_EPS)
        return float(
            _cpu.loss_and_grad(
                self.params, self.grads, self.sizes, self.codes, self.alphas, X, Y, code, eps, *work
            )
        )

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class indices ``argmax_j A_L[i, j]`` for several outputs; the single output column otherwise."""
        out = self.forward(X)
        return out.argmax(axis=1) if out.shape[1] > 1 else out[:, 0]

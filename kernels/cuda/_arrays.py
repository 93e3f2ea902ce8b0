"""Host/device bookkeeping shared by the public wrappers: device arrays in, device arrays out; NumPy arrays
in, NumPy arrays out (copied to the device and back around the kernel)."""

from __future__ import annotations

import numpy as np
from numba import cuda

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def is_device(a: object) -> bool:
    """True for a Numba device array (the simulator's too) or any ``__cuda_array_interface__`` object."""
    return not isinstance(a, np.ndarray) and (
        hasattr(a, "copy_to_host") or hasattr(a, "__cuda_array_interface__")
    )


def to_device(a, name: str = "array"):
    """Device view of ``a`` (no copy when already on the device), checked to be float32 or float64."""
    if is_device(a):
        d = a if hasattr(a, "copy_to_host") else cuda.as_cuda_array(a)
    else:
        arr = np.asarray(a)
        if not arr.flags.c_contiguous:
            arr = np.ascontiguousarray(arr)
        d = cuda.to_device(arr)
    if np.dtype(d.dtype) not in FLOATS:
        raise ValueError(f"{name} must be float32 or float64, got {d.dtype}")
    return d


def flat(d):
    """1-D view of a contiguous device array."""
    return d.reshape(d.size) if d.ndim != 1 else d


def same_shape(*pairs: tuple[str, object]) -> None:
    """Raise a one-line ``ValueError`` unless every array has the shape and dtype of the first."""
    name0, a0 = pairs[0]
    for name, a in pairs[1:]:
        if tuple(a.shape) != tuple(a0.shape) or np.dtype(a.dtype) != np.dtype(a0.dtype):
            raise ValueError(
                f"{name} {tuple(a.shape)} {a.dtype} does not match {name0} {tuple(a0.shape)} {a0.dtype}"
            )


def output(out, like_shape: tuple[int, ...], dtype):
    """The device array a kernel writes into: ``out`` itself when it is a device array, else a new one
    (a NumPy ``out`` is checked here and filled by :func:`finish`)."""
    if out is not None:
        if tuple(out.shape) != tuple(like_shape) or np.dtype(out.dtype) != np.dtype(dtype):
            raise ValueError(f"out has shape {tuple(out.shape)} {out.dtype}, expected {like_shape} {dtype}")
        if is_device(out):
            return out
        if not out.flags.c_contiguous:
            raise ValueError("out must be C-contiguous")
    return cuda.device_array(like_shape, dtype=dtype)


def finish(d, out, on_device: bool):
    """The result where the caller wants it: a NumPy ``out`` is filled and returned; otherwise the device
    array for device input, a new NumPy array for NumPy input."""
    if out is not None and not is_device(out):
        d.copy_to_host(out)
        return out
    if out is not None or on_device:
        return d
    return d.copy_to_host()


def write_back(d, host) -> None:
    """Copy an in-place device result back into the caller's NumPy array (no-op for device arrays)."""
    if not is_device(host):
        d.copy_to_host(host)

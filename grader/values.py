"""Values across the sandbox boundary: tagged JSON, arrays as base64 bytes with dtype and shape.

The same file runs on both sides: the trusted parent imports it as ``grader.values``; the sandbox sends its
source to the child through the request pipe, where it runs from memory (it imports only the standard
library and NumPy). Nothing is pickled or
evaluated. ``decode`` rebuilds only plain ``None``/``bool``/``int``/``float``/``str``/``list``/``tuple``/
``dict`` and base-class ``numpy.ndarray`` of dtype float64, int64 or bool, so an object with a lying
``__eq__``, ``__float__`` or ``__array__`` can never reach the comparison. Anything else, a malformed
number included (a hex float beyond float64, an integer beyond 64 bits), raises ``ValueEncodingError``
(a ``ValueError``; the parent records it as ``invalid``).

Decoding is bounded before it allocates: every scalar, container and array element counts against a
budget of ``MAX_ELEMENTS`` (or the caller's smaller ``max_elements``, which the engine derives from the
size of the expected value), and an array's claimed size is checked against the budget and the length of
its base64 text before a byte of it is decoded.

Encoding, one single-key object per value: ``{"n": null}``, ``{"b": true}``, ``{"i": 3}``,
``{"f": "0x1.0p+0"}`` (``float.hex``: exact, NaN and inf included), ``{"s": "..."}``, ``{"l": [...]}``,
``{"u": [...]}`` (tuple), ``{"d": [[key, value], ...]}`` (keys str or int), and
``{"a": {"dtype": "float64", "shape": [2, 3], "data": "<base64>"}}``.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
from typing import Any

import numpy as np

__all__ = [
    "MAX_ELEMENTS", "ValueEncodingError", "decode", "dumps", "encode", "loads", "pack", "size", "unpack",
]

MAX_DEPTH = 32
# The course's largest value is ex14's data set (about 116,000 elements, 1.2 MB encoded); the caps leave
# a wide margin and still bound what a reply can cost the parent.
MAX_ELEMENTS = 4_000_000  # array elements and scalars in one value, all together (32 MB of float64)
MAX_STRING = 1_000_000
MAX_ITEMS = 100_000  # entries of one list/tuple/dict
MAX_FRAME = 64 << 20  # bytes of one message on the pipe
INT_LIMIT = 1 << 64  # integers are refused beyond 64 bits (seeds are unsigned 64-bit)
_DTYPES = {"float64": np.float64, "int64": np.int64, "bool": np.bool_}
_HEX_FLOAT = re.compile(r"-?(0x[0-9a-f]{1,2}(\.[0-9a-f]{0,16})?p[+-]\d{1,5}|inf|nan)\Z")
_HEADER = struct.Struct(">Q")


class ValueEncodingError(ValueError):
    """A value that cannot cross the boundary (unsupported type, too large, malformed)."""


def encode(value: Any, _depth: int = 0) -> Any:
    """Plain data -> JSON-ready tagged tree. NumPy scalars become Python scalars, float arrays become
    float64, integer arrays int64. Exact base types are read through their base-class methods, so a
    subclass's overrides are not consulted."""
    if _depth > MAX_DEPTH:
        raise ValueEncodingError("value nested too deeply")
    if value is None:
        return {"n": None}
    if isinstance(value, bool | np.bool_):
        return {"b": bool(value)}
    if isinstance(value, int) and not isinstance(value, bool):
        number = int.__int__(value)
        if not -INT_LIMIT <= number <= INT_LIMIT:
            raise ValueEncodingError("integer beyond 64 bits")
        return {"i": number}
    if isinstance(value, np.integer):
        return {"i": int(np.int64(value))}
    if isinstance(value, float):
        return {"f": float.hex(value)}
    if isinstance(value, np.floating):
        return {"f": float.hex(float(np.float64(value)))}
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise ValueEncodingError("string too long")
        return {"s": str.__str__(value)}
    if isinstance(value, np.ndarray):
        return {"a": _encode_array(value)}
    if isinstance(value, list | tuple):
        if len(value) > MAX_ITEMS:
            raise ValueEncodingError("sequence too long")
        items = [encode(v, _depth + 1) for v in (list.__iter__(value) if isinstance(value, list)
                                                  else tuple.__iter__(value))]
        return {"l": items} if isinstance(value, list) else {"u": items}
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            raise ValueEncodingError("dict too large")
        pairs = []
        for k, v in dict.items(value):
            if not isinstance(k, str | int) or isinstance(k, bool):
                raise ValueEncodingError(f"dict key of type {type(k).__name__} is not supported")
            pairs.append([encode(k, _depth + 1), encode(v, _depth + 1)])
        return {"d": pairs}
    raise ValueEncodingError(f"values of type {type(value).__name__} are not supported")


def _encode_array(value: np.ndarray) -> dict[str, Any]:
    arr = np.asarray(value).view(np.ndarray)
    if arr.size > MAX_ELEMENTS:
        raise ValueEncodingError("array too large")
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind in "iu":
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "b":
        arr = arr.astype(np.bool_)
    else:
        raise ValueEncodingError(f"arrays of dtype {arr.dtype} are not supported")
    data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
    return {"dtype": arr.dtype.name, "shape": list(arr.shape), "data": base64.b64encode(data).decode("ascii")}


def decode(tree: Any, *, max_elements: int | None = None) -> Any:
    """Tagged tree -> plain data; raises ``ValueEncodingError`` on anything unexpected. ``max_elements``
    (at most ``MAX_ELEMENTS``) bounds the scalars, containers and array elements of the whole value."""
    limit = MAX_ELEMENTS if max_elements is None else min(MAX_ELEMENTS, max_elements)
    if type(limit) is not int or limit < 0:
        raise ValueEncodingError("max_elements must be a non-negative int")
    return _decode(tree, 0, [limit])


def size(value: Any) -> int:
    """What ``value`` costs against ``decode``'s budget: one per scalar and container, one per array
    element. The engine sizes the budget of a reply from the expected value with it."""
    if isinstance(value, np.ndarray):
        return max(int(value.size), 1)
    if isinstance(value, dict):
        return 1 + sum(size(k) + size(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return 1 + sum(size(v) for v in value)
    return 1


def _spend(budget: list[int], count: int) -> None:
    budget[0] -= count
    if budget[0] < 0:
        raise ValueEncodingError("value too large")


def _decode(tree: Any, depth: int, budget: list[int]) -> Any:
    if depth > MAX_DEPTH:
        raise ValueEncodingError("value nested too deeply")
    if type(tree) is not dict or len(tree) != 1:
        raise ValueEncodingError("malformed value")
    ((tag, body),) = tree.items()
    if tag == "a" and type(body) is dict:
        return _decode_array(body, budget)
    _spend(budget, 1)
    if tag == "n" and body is None:
        return None
    if tag == "b" and type(body) is bool:
        return body
    if tag == "i" and type(body) is int:
        if not -INT_LIMIT <= body <= INT_LIMIT:
            raise ValueEncodingError("integer beyond 64 bits")
        return body
    if tag == "f" and type(body) is str:
        try:
            if _HEX_FLOAT.match(body):
                return float.fromhex(body)
        except (OverflowError, ValueError):
            pass
        raise ValueEncodingError(f"malformed float {body[:40]!r}")
    if tag == "s" and type(body) is str and len(body) <= MAX_STRING:
        return body
    if tag in ("l", "u") and type(body) is list and len(body) <= MAX_ITEMS:
        items = [_decode(v, depth + 1, budget) for v in body]
        return items if tag == "l" else tuple(items)
    if tag == "d" and type(body) is list and len(body) <= MAX_ITEMS:
        out: dict[Any, Any] = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise ValueEncodingError("malformed dict entry")
            key = _decode(pair[0], depth + 1, budget)
            if type(key) not in (str, int):
                raise ValueEncodingError("dict keys must be str or int")
            out[key] = _decode(pair[1], depth + 1, budget)
        return out
    raise ValueEncodingError(f"malformed value (tag {str(tag)[:20]!r})")


def _decode_array(body: dict[str, Any], budget: list[int]) -> np.ndarray:
    if set(body) != {"dtype", "shape", "data"} or body["dtype"] not in _DTYPES:
        raise ValueEncodingError("malformed array or unsupported dtype")
    shape = body["shape"]
    if type(shape) is not list or len(shape) > MAX_DEPTH or any(type(n) is not int or n < 0 for n in shape):
        raise ValueEncodingError("malformed array shape")
    if any(n > MAX_ELEMENTS for n in shape):
        raise ValueEncodingError("array too large")
    count = math.prod(shape)
    _spend(budget, max(count, 1))
    data = body["data"]
    if type(data) is not str:
        raise ValueEncodingError("malformed array data")
    dtype = np.dtype(_DTYPES[body["dtype"]]).newbyteorder("<")
    if len(data) != 4 * -(-count * dtype.itemsize // 3):
        raise ValueEncodingError("array data does not match its shape")
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as err:
        raise ValueEncodingError("array data is not base64") from err
    if len(raw) != count * dtype.itemsize:
        raise ValueEncodingError("array data does not match its shape")
    if dtype == np.bool_ and raw and np.frombuffer(raw, dtype=np.uint8).max() > 1:
        raise ValueEncodingError("boolean array holds bytes other than 0 and 1")
    return np.frombuffer(raw, dtype=dtype).astype(_DTYPES[body["dtype"]]).reshape(shape)


def dumps(value: Any) -> bytes:
    """Encode ``value`` to UTF-8 JSON bytes."""
    return json.dumps(encode(value), allow_nan=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes, *, max_elements: int | None = None) -> Any:
    """Decode UTF-8 JSON bytes made by ``dumps`` (``max_elements`` as for ``decode``)."""
    if len(data) > MAX_FRAME:
        raise ValueEncodingError(f"message of {len(data)} bytes exceeds the limit")
    try:
        tree = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise ValueEncodingError("message is not valid JSON") from err
    return decode(tree, max_elements=max_elements)


def pack(message: bytes) -> bytes:
    """Frame one message for a pipe: 8-byte big-endian length, then the bytes."""
    return _HEADER.pack(len(message)) + message


def unpack(header: bytes) -> int:
    """Length of the frame announced by an 8-byte header; refuses absurd sizes."""
    (size,) = _HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ValueEncodingError(f"message of {size} bytes exceeds the limit")
    return size

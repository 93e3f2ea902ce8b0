"""Values across the sandbox boundary: exact round trips, strict decoding, no pickle."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest

from grader import values


@pytest.mark.parametrize(
    "value",
    [
        None, True, False, 0, -7, 2**64 - 1, -(2**63), 0.1, -0.0, 1e-310, math.pi, "héllo", [], (), {},
        [1, 2.5, "x"], (1, (2, [3.0])), {"a": 1, 3: [True]},
        np.arange(6, dtype=np.float64).reshape(2, 3), np.array([[True, False]]), np.arange(-3, 3),
        np.zeros((0, 4)), np.array(2.5),
    ],
)
def test_round_trip_is_exact(value):
    back = values.loads(values.dumps(value))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        np.testing.assert_array_equal(back, value)
    else:
        assert back == value


def test_nan_and_inf_survive_and_float_subclass_is_flattened():
    back = values.loads(values.dumps([math.nan, math.inf, -math.inf]))
    assert math.isnan(back[0]) and back[1] == math.inf and back[2] == -math.inf

    class Liar(float):
        def __eq__(self, other):
            return True

        def __sub__(self, other):
            return 0.0

        def __float__(self):
            return 0.8808

    got = values.loads(values.dumps(Liar(0.25)))
    assert type(got) is float and got == 0.25


def test_numpy_scalars_and_other_dtypes_become_float64_or_int64():
    assert values.loads(values.dumps(np.float32(0.5))) == 0.5
    back = values.loads(values.dumps(np.arange(3, dtype=np.float32)))
    assert back.dtype == np.float64
    assert values.loads(values.dumps(np.arange(3, dtype=np.uint8))).dtype == np.int64


@pytest.mark.parametrize("value", [object(), {1.5: 2}, np.array(["a"]), np.array([1 + 2j]), lambda: 0])
def test_unsupported_values_are_refused(value):
    with pytest.raises(ValueError):
        values.encode(value)


def test_lying_eq_object_cannot_cross():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    with pytest.raises(ValueError, match="not supported"):
        values.encode(AlwaysEqual())


def _arr(dtype, shape, raw):
    return {"a": {"dtype": dtype, "shape": shape, "data": base64.b64encode(raw).decode()}}


@pytest.mark.parametrize(
    "tree",
    [
        {"a": 1, "b": 2},
        {"f": "1.5"},
        {"f": "__import__('os')"},
        {"i": "3"},
        {"x": None},
        {"d": [["k"]]},
        _arr("float64", [2], b"\0" * 8),
        _arr("object", [1], b"\0" * 8),
        _arr("float64", [-1], b""),
        _arr("bool", [1], b"\x02"),
        {"a": {"dtype": "float64", "shape": [1], "data": "not base64!"}},
        {"l": [{"n": None}] * 3 + [{"q": 1}]},
    ],
)
def test_malformed_trees_are_refused(tree):
    with pytest.raises(ValueError):
        values.decode(tree)


def test_decoded_arrays_are_plain_writable_ndarrays():
    arr = values.loads(values.dumps(np.ones(3)))
    assert type(arr) is np.ndarray and arr.flags.writeable
    arr[0] = 5.0


def test_depth_and_frame_limits():
    deep = {"n": None}
    for _ in range(values.MAX_DEPTH + 2):
        deep = {"l": [deep]}
    with pytest.raises(ValueError, match="deeply"):
        values.decode(deep)
    with pytest.raises(ValueError, match="exceeds"):
        values.unpack((values.MAX_FRAME + 1).to_bytes(8, "big"))
    assert values.unpack(values.pack(b"abc")[:8]) == 3


def test_no_pickle_anywhere():
    source = open(values.__file__, encoding="utf-8").read()
    assert "pickle" not in source.replace("no pickle", "").replace("Nothing is pickled", "")
    assert json.loads(values.dumps({"x": 1.0}))  # plain JSON on the wire


@pytest.mark.parametrize(
    "tree",
    [
        {"f": "0x1.0p+999999"},
        {"f": "0x1.fffffffffffffffffp+1023"},
        {"f": "0x1.0p+" + "9" * 5000},
        {"f": "0x" + "f" * 400 + "p+0"},
        {"i": 2**64 + 1},
        {"i": -(2**200)},
        _arr("float64", [0, 2**100], b""),
        {"l": [{"f": "0x1.0p+0"}, {"f": "0x1.8p+1024"}]},
    ],
)
def test_malformed_numbers_are_encoding_errors_never_other_exceptions(tree):
    with pytest.raises(values.ValueEncodingError):
        values.decode(tree)


def test_integers_beyond_64_bits_are_not_encoded():
    with pytest.raises(values.ValueEncodingError, match="64 bits"):
        values.encode(2**70)


def test_claimed_size_is_refused_before_any_base64_is_decoded(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("b64decode reached")

    monkeypatch.setattr(base64, "b64decode", forbidden)
    twenty_million = {"a": {"dtype": "float64", "shape": [20_000_000], "data": "AAAA"}}
    with pytest.raises(values.ValueEncodingError, match="too large"):
        values.decode(twenty_million)
    honest_length = _arr("float64", [2000], b"\0" * 16000)
    with pytest.raises(values.ValueEncodingError, match="too large"):
        values.decode(honest_length, max_elements=1024)
    lying_length = {"a": {"dtype": "float64", "shape": [1000], "data": "AAAA" * 10}}
    with pytest.raises(values.ValueEncodingError, match="does not match"):
        values.decode(lying_length)


def test_a_huge_broadcast_reply_is_refused_by_the_encoder_and_the_decoder():
    view = np.broadcast_to(np.float64(0.5), (20_000_000,))
    with pytest.raises(values.ValueEncodingError, match="too large"):
        values.encode(view)
    scalars = {"l": [{"f": "0x1.0p+0"}] * 2000}
    with pytest.raises(values.ValueEncodingError, match="too large"):
        values.decode(scalars, max_elements=1024)
    assert len(values.decode(scalars, max_elements=2001)) == 2000


def test_size_matches_what_decode_spends():
    value = {"w": np.ones(5), "state": [np.zeros(5), np.zeros((0, 3))], "ok": True}
    tree = values.encode(value)
    n = values.size(value)
    assert values.size(values.decode(tree, max_elements=n)) == n
    with pytest.raises(values.ValueEncodingError):
        values.decode(tree, max_elements=n - 1)


def test_caps_cover_the_largest_value_of_the_course():
    assert values.MAX_ELEMENTS >= 20 * 116_356  # ex14's data set, the largest input
    assert values.MAX_FRAME >= 12 * values.MAX_ELEMENTS  # base64 of the cap of float64 fits in a frame
    assert values.MAX_FRAME <= 64 << 20

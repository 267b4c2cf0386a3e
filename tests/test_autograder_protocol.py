"""The wire format: only well-formed plain numeric messages decode."""
import json
import pickle
import struct
import sys

import numpy as np
import pytest

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from autograder import protocol  # noqa: E402


def test_round_trip_keeps_dtype_shape_and_values():
    arrays = {"a": np.arange(6.0).reshape(2, 3), "b": np.array(3, dtype=">i4"),
              "c": np.array([True, False]), "d": np.zeros((0, 4), dtype=np.float32)}
    decoded, meta = protocol.decode(protocol.encode(arrays, {"k": 1}), 1 << 20)
    assert meta == {"k": 1}
    for name, value in arrays.items():
        assert decoded[name].shape == value.shape
        assert decoded[name].dtype == value.dtype.newbyteorder("<") or decoded[name].dtype == value.dtype
        np.testing.assert_array_equal(decoded[name], value)


def test_object_arrays_cannot_be_sent():
    with pytest.raises(TypeError):
        protocol.encode({"x": np.array([object()], dtype=object)})


def _message(header, payload=b""):
    raw = json.dumps(header).encode()
    return protocol.MAGIC + struct.pack("<I", len(raw)) + raw + payload


@pytest.mark.parametrize("data", [
    pickle.dumps(np.zeros(3)),                                                         # a pickle
    b"",                                                                               # nothing
    _message({"arrays": [{"name": "x", "dtype": "|O", "shape": [1]}]}, b"\0" * 8),      # object dtype
    _message({"arrays": [{"name": "x", "dtype": "<f8", "shape": [2]}]}, b"\0" * 8),     # truncated
    _message({"arrays": [{"name": "x", "dtype": "<f8", "shape": [1]}]}, b"\0" * 9),     # trailing bytes
    _message({"arrays": [{"name": "x", "dtype": "<f8", "shape": [-1]}]}, b""),          # negative dim
    _message({"arrays": [{"name": "x", "dtype": "<f8", "shape": [1.5]}]}, b"\0" * 8),   # float dim
    _message({"arrays": [{"name": "x", "dtype": "<f8", "shape": [10 ** 12]}]}, b""),    # absurd size
    _message({"arrays": [{"name": "x", "dtype": "<c16", "shape": [1]}]}, b"\0" * 16),   # complex
    _message({"arrays": "no"}),                                                        # bad header
    _message({"arrays": [], "meta": []}),                                              # meta not a dict
    protocol.MAGIC + struct.pack("<I", 10 ** 9) + b"{}",                               # header too long
    protocol.MAGIC + struct.pack("<I", 200000) + b"[" * 100000 + b"]" * 100000,       # nesting bomb
])
def test_malformed_messages_are_rejected(data):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(data, 1 << 20)


def test_size_limit():
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(protocol.encode({"x": np.zeros(1000)}), 100)

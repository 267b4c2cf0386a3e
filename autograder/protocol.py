"""The wire format between the grader and a sandboxed child.

A message is: the 4 magic bytes b"AGW1", a little-endian uint32 header length,
a UTF-8 JSON header, then the raw little-endian bytes of every array, one after
the other. The header lists each array as {"name", "dtype", "shape"} plus a
free-form "meta" object of plain JSON.

Only plain numeric data travels: no pickle, no objects. The decoder is the one
used on the trusted side, so it assumes the sender is hostile: every length,
dtype, shape and byte count is checked before an array is built.

This module is imported by the child too, so it must stay free of anything
secret and of imports beyond the standard library and numpy.
"""
import json
import struct

import numpy as np

MAGIC = b"AGW1"
MAX_HEADER_BYTES = 1 << 20
MAX_NDIM = 8
# dtypes allowed on the wire, always little-endian or byte-order free.
ALLOWED_DTYPES = ("<f4", "<f8", "<f2", "|b1", "|i1", "|u1", "<i2", "<u2",
                  "<i4", "<u4", "<i8", "<u8")


class ProtocolError(ValueError):
    """The bytes received are not a well-formed message."""


def encode(arrays, meta=None):
    """Encode a dict name -> numeric ndarray (and a JSON-able meta dict)."""
    specs, blobs = [], []
    for name, value in arrays.items():
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError("only numeric arrays can be sent, not dtype %s" % array.dtype)
        dtype = array.dtype.newbyteorder("<") if array.dtype.itemsize > 1 else array.dtype
        array = np.asarray(array, dtype=dtype, order="C")  # keeps 0-d arrays 0-d
        specs.append({"name": str(name), "dtype": array.dtype.str, "shape": list(array.shape)})
        blobs.append(array.tobytes())
    header = json.dumps({"arrays": specs, "meta": meta or {}}).encode("utf-8")
    return b"".join([MAGIC, struct.pack("<I", len(header)), header] + blobs)


def _checked_shape(shape):
    if not isinstance(shape, list) or len(shape) > MAX_NDIM:
        raise ProtocolError("bad shape %r" % (shape,))
    for dim in shape:
        if type(dim) is not int or dim < 0:
            raise ProtocolError("bad shape %r" % (shape,))
    return tuple(shape)


def decode(data, max_bytes):
    """Decode a message; returns (dict name -> ndarray, meta dict).

    Raises ProtocolError on anything malformed: wrong magic, oversized header,
    unknown dtype, negative or absurd shapes, byte counts that do not add up.
    """
    if len(data) > max_bytes:
        raise ProtocolError("message of %d bytes is over the limit of %d" % (len(data), max_bytes))
    if len(data) < 8 or data[:4] != MAGIC:
        raise ProtocolError("no message (missing magic bytes)")
    (header_len,) = struct.unpack("<I", data[4:8])
    if header_len > MAX_HEADER_BYTES or 8 + header_len > len(data):
        raise ProtocolError("bad header length")
    try:
        header = json.loads(data[8:8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:  # deep nesting too
        raise ProtocolError("header is not JSON: %s" % exc) from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays"), list):
        raise ProtocolError("header is not an object with an 'arrays' list")
    meta = header.get("meta", {})
    if not isinstance(meta, dict):
        raise ProtocolError("meta is not an object")
    arrays, offset = {}, 8 + header_len
    for spec in header["arrays"]:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise ProtocolError("bad array spec")
        if spec.get("dtype") not in ALLOWED_DTYPES:
            raise ProtocolError("dtype %r is not allowed" % (spec.get("dtype"),))
        dtype = np.dtype(spec["dtype"])
        shape = _checked_shape(spec.get("shape"))
        count = 1
        for dim in shape:
            count *= dim
        nbytes = count * dtype.itemsize
        if offset + nbytes > len(data):
            raise ProtocolError("array %r is truncated" % spec["name"])
        # frombuffer + copy: the result owns its memory and is writeable.
        arrays[spec["name"]] = np.frombuffer(data, dtype=dtype, count=count,
                                             offset=offset).reshape(shape).copy()
        offset += nbytes
    if offset != len(data):
        raise ProtocolError("%d trailing bytes after the last array" % (len(data) - offset))
    return arrays, meta

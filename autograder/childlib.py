"""What the child program and an assignment's child operations share.

Runs INSIDE the sandbox (copied next to child.py): nothing secret here, and
imports beyond the standard library and numpy happen only inside functions.
"""
import importlib
import os
import traceback

MAX_TEXT = 4000
# The kit's own files in the child: their frames never appear in a student's traceback.
KIT_FILES = ("child.py", "childlib.py", "protocol.py", "assignment_ops.py")


class StudentError(Exception):
    """A student function returned something that cannot be sent as numbers."""


def short_traceback(exc):
    """The student's traceback without the kit's own frames, clipped."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.basename(f.filename) not in KIT_FILES]
    lines = traceback.format_list(frames[-6:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)[-MAX_TEXT:]


def numeric(value, label):
    """The student's value as a numeric ndarray, or StudentError saying why not."""
    import numpy as np
    if value is None:
        raise StudentError("%s is None (not computed)" % label)
    if isinstance(value, (bool, int, float, np.generic)):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise StudentError("%s is a %s, expected a numpy array" % (label, type(value).__name__))
    array = np.array(value, copy=True)  # plain ndarray, detached from subclasses
    if array.dtype.kind not in "biuf":
        raise StudentError("%s has dtype %s, expected a numeric array" % (label, array.dtype))
    return array


def as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


class Reply(dict):
    """Arrays to send back, plus per-case error texts."""

    def __init__(self):
        super().__init__()
        self.errors = {}


class StudentPackage:
    """The student's package, its modules imported by dotted name on demand."""

    def __init__(self, name):
        self.name = name

    def module(self, dotted):
        return importlib.import_module("%s.%s" % (self.name, dotted))

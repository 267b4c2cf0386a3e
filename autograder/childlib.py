"""What the child program and an assignment's child operations share.

Runs INSIDE the sandbox (copied next to child.py): nothing secret here, and
imports beyond the standard library and numpy happen only inside functions.
"""
import importlib
import os
import sys
import traceback
import types
import warnings

MAX_TEXT = 4000
# The folder holding the student's package in this process (set by child.run_request).
SUBMISSION_ROOT = None
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
    """Arrays to send back, plus per-case error texts and the first warning
    each case raised in the student's own files."""

    def __init__(self):
        super().__init__()
        self.errors = {}
        self.warnings = {}
        self.notes = {}         # per case: what the student's code did besides its results (e.g. changed an input)


def _in_submission(filename, root):
    return bool(root) and os.path.abspath(filename).startswith(os.path.abspath(root) + os.sep)


class FirstStudentWarning:
    """Records the first warning (e.g. RuntimeWarning: overflow in exp) raised
    in the student's files, with the functions of theirs it happened in:
    "rnn_layers.py, line 12 (in my_tanh, called from rnn_step_forward): RuntimeWarning: ..."."""

    def __init__(self, root=None):
        self.root, self.text = root or SUBMISSION_ROOT, None

    def _show(self, message, category, filename, lineno, file=None, line=None):
        if self.text is not None or not _in_submission(filename, self.root):
            return
        functions = []
        for frame in reversed(traceback.extract_stack()):
            if _in_submission(frame.filename, self.root) and frame.name not in functions:
                functions.append(frame.name)
        where = ""
        if functions:
            where = " (in %s%s)" % (functions[0], ", called from " + ", ".join(functions[1:3]) if functions[1:] else "")
        self.text = "%s, line %d%s: %s: %s" % (os.path.relpath(filename, self.root), lineno, where,
                                                category.__name__, str(message)[:300])

    def __enter__(self):
        self._catcher = warnings.catch_warnings()
        self._catcher.__enter__()
        warnings.simplefilter("always")
        warnings.showwarning = self._show
        return self

    def __exit__(self, *exc):
        self._catcher.__exit__(*exc)
        return False


def where_in_submission(exc, root):
    """'classifiers/rnn.py, line 3' of the deepest frame in the student's files, or None."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _in_submission(f.filename, root)]
    if isinstance(exc, SyntaxError) and exc.filename and _in_submission(exc.filename, root):
        return "%s, line %s" % (os.path.relpath(exc.filename, root), exc.lineno)
    if not frames:
        return None
    return "%s, line %d" % (os.path.relpath(frames[-1].filename, root), frames[-1].lineno)


def describe_import_failure(exc, root):
    """One line: where in the student's files the import failed, and why."""
    where = where_in_submission(exc, root)
    what = "%s: %s" % (type(exc).__name__, exc)
    return "%s: %s" % (where, what) if where else what


class StudentPackage:
    """The student's package, its modules imported by dotted name on demand."""

    def __init__(self, name):
        self.name = name

    def module(self, dotted):
        return importlib.import_module("%s.%s" % (self.name, dotted))


class EarlierTimeout(Exception):
    """A function of the student's that did not finish in an earlier run."""


def _stopped(name):
    def stopped(*args, **kwargs):
        raise EarlierTimeout("%s did not finish in an earlier check (it ran past the time limit, or waited "
                             "without computing), so this check, which needs it, does not wait for it again" % name)
    stopped.__name__ = name
    return stopped


def stop_hung_functions(package, names):
    """Replace each named function of the student's package (module-level, or a
    method of a class defined there) by one that raises at once."""
    names = set(names)
    if not names:
        return
    for module_name, module in list(sys.modules.items()):
        if not (module_name == package or module_name.startswith(package + ".")) or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if attribute in names and isinstance(value, types.FunctionType):
                setattr(module, attribute, _stopped(attribute))
            elif isinstance(value, type) and getattr(value, "__module__", "") == module_name:
                for method in names & set(vars(value)):
                    setattr(value, method, _stopped(method))

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
    """A function of the student's that did not finish, or ran out of memory, in an earlier run."""


WHY_STOPPED = {
    "stuck": ("did not finish in an earlier check (it ran past the time limit, or waited without computing), "
              "so this check, which needs it, does not wait for it again"),
    "memory": ("ran out of memory in an earlier check (it allocated past the memory limit), so this check, "
               "which needs it, does not run it again"),
}


def _stopped(name, why):
    def stopped(*args, **kwargs):
        raise EarlierTimeout("%s %s" % (name, WHY_STOPPED.get(why, WHY_STOPPED["stuck"])))
    stopped.__name__ = name
    return stopped


def stop_hung_functions(package, hung):
    """Replace each function of hung ({name: "stuck" or "memory"}) of the student's package
    (module-level, or a method of a class defined there) by one that raises at once."""
    hung = dict(hung) if isinstance(hung, dict) else dict.fromkeys(hung, "stuck")
    names = set(hung)
    if not names:
        return
    for module_name, module in list(sys.modules.items()):
        if not (module_name == package or module_name.startswith(package + ".")) or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if attribute in names and isinstance(value, types.FunctionType):
                setattr(module, attribute, _stopped(attribute, hung[attribute]))
            elif isinstance(value, type) and getattr(value, "__module__", "") == module_name:
                # A method by its name, or by the name of the function it was assigned from.
                for method, function in list(vars(value).items()):
                    name = method if method in names else getattr(function, "__name__", None)
                    if name in names and isinstance(function, types.FunctionType):
                        setattr(value, method, _stopped(name, hung[name]))


# ---------------------------------------------------------------------------
# Replacements: a graded function of the student's put aside for one run, its
# work done by the trusted side. The stub that takes its place holds nothing
# secret (no reference code, no hidden input): it sends the arguments it was
# called with and returns the trusted side's answer.
# ---------------------------------------------------------------------------

# The line to the trusted side: ORACLE(meta, arrays) -> (meta, arrays). The
# zygote sets it to a PipeOracle in each child; nbgrader's in-kernel checks
# set it to a plain function.
ORACLE = None


class ReplacedCache(tuple):
    """The cache a replaced forward returns when the student's own forward gives
    none (it raised): the call's arguments, in order (so code that reads the
    first of them, x, from a cache still can), which the replaced backward sends."""

    def __new__(cls, function, inputs):
        cache = super().__new__(cls, tuple(inputs.values()))
        cache.function, cache.inputs = function, inputs
        return cache

    def __repr__(self):
        return "<cache of the correct %s>" % self.function


class ReplacementError(ValueError):
    """A replaced function could not answer (the trusted side says why)."""


class CacheRegistry:
    """Which call made each cache: {id(cache): (cache, function, inputs)} of the
    newest forward calls. A replaced backward finds the inputs of the forward
    call whose cache it is given (the student's own cache object, whatever its
    layout), and asks for the gradients of that call."""

    SIZE = 20000

    def __init__(self):
        from collections import OrderedDict
        self.entries = OrderedDict()

    def add(self, cache, function, inputs):
        self.entries[id(cache)] = (cache, function, inputs)
        self.entries.move_to_end(id(cache))
        while len(self.entries) > self.SIZE:
            self.entries.popitem(last=False)

    def inputs_of(self, cache, function):
        entry = self.entries.get(id(cache))
        if entry is not None and entry[0] is cache and entry[1] == function:
            return entry[2]
        if isinstance(cache, ReplacedCache) and cache.function == function:
            return cache.inputs
        return None


CACHES = CacheRegistry()


class PipeOracle:
    """Asks over two pipes: a question is an 8-byte length and a protocol message,
    and so is the answer."""

    LENGTH = __import__("struct").Struct("<Q")

    def __init__(self, question_fd, answer_fd):
        self.question_fd, self.answer_fd = question_fd, answer_fd

    def _read(self, size):
        chunks, left = [], size
        while left:
            chunk = os.read(self.answer_fd, min(left, 1 << 20))
            if not chunk:
                raise ReplacementError("the trusted side did not answer")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def __call__(self, meta, arrays):
        import protocol
        message = protocol.encode(arrays, meta)
        view = memoryview(self.LENGTH.pack(len(message)) + message)
        while view:
            view = view[os.write(self.question_fd, view):]
        (size,) = self.LENGTH.unpack(self._read(self.LENGTH.size))
        answer, answer_meta = protocol.decode(self._read(size), max_bytes=1 << 30)
        return answer_meta, answer


def ask_trusted(meta, arrays):
    """The trusted side's answer (meta, arrays) to one call of a replaced function."""
    if ORACLE is None:
        raise ReplacementError("no trusted side to ask in this run")
    answer_meta, answer = ORACLE(meta, arrays)
    if answer_meta.get("error"):
        raise ReplacementError(str(answer_meta["error"]))
    return answer_meta, answer


def _bind(name, names, args, kwargs):
    """The arguments of a call by parameter name, as Python binds them."""
    if len(args) > len(names):
        raise TypeError("%s() takes %d positional arguments but %d were given" % (name, len(names), len(args)))
    values = dict(zip(names, args))
    for key, value in kwargs.items():
        if key not in names or key in values:
            raise TypeError("%s() got an unexpected or repeated argument %r" % (name, key))
        values[key] = value
    missing = [n for n in names if n not in values]
    if missing:
        raise TypeError("%s() missing required arguments: %s" % (name, ", ".join(missing)))
    return values


def _as_arrays(prefix, values):
    import numpy as np
    arrays = {}
    for key, value in values.items():
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError("argument %s of dtype %s: expected numbers" % (key, array.dtype))
        arrays["%s:%s" % (prefix, key)] = array
    return arrays


def _own_cache(original, names, values):
    """The student's own forward called on copies for its cache (their backward code
    may read it), or None when it raises."""
    import numpy as np
    if original is None:
        return None
    try:
        result = original(*[np.array(values[n], copy=True) if isinstance(values[n], np.ndarray) else values[n]
                            for n in names])
        return as_tuple(result)[-1]
    except Exception:
        return None


def forward_stub(spec, original=None):
    """A replaced forward, spec {"name", "args", "n_outputs", "own_cache"}: the trusted side's
    outputs, with (when own_cache) the student's own cache when their forward gives one, for
    student code that reads it; else a ReplacedCache."""
    name, names, count = spec["name"], list(spec["args"]), int(spec["n_outputs"])
    original = original if spec.get("own_cache", True) else None

    def replaced(*args, **kwargs):
        values = _bind(name, names, args, kwargs)
        arrays = _as_arrays("arg", values)
        _, answer = ask_trusted({"call": name}, arrays)
        outputs = tuple(answer["out%d" % k] for k in range(count))
        inputs = {key[len("arg:"):]: value for key, value in arrays.items()}
        cache = _own_cache(original, names, values)
        if cache is None:
            cache = ReplacedCache(name, inputs)
        CACHES.add(cache, name, inputs)
        return outputs + (cache,)
    return replaced


def recorded_stub(spec, original):
    """The student's own forward, spec {"name", "args"}, whose caches are recorded with
    the call's inputs (for a replaced backward)."""
    name, names = spec["name"], list(spec["args"])

    def recorded(*args, **kwargs):
        result = original(*args, **kwargs)
        try:
            arrays = _as_arrays("arg", _bind(name, names, args, kwargs))
            CACHES.add(as_tuple(result)[-1], name, {key[len("arg:"):]: value for key, value in arrays.items()})
        except Exception:    # not recordable: a replaced backward given this cache says so
            pass
        return result
    return recorded


def backward_stub(spec, original=None):
    """A replaced backward, spec {"name", "forward", "upstream", "n_grads"}: the
    gradients of the forward call whose cache it is given, from the trusted side."""
    name, forward, names, count = spec["name"], spec["forward"], list(spec["upstream"]), int(spec["n_grads"])

    def replaced(*args, **kwargs):
        values = _bind(name, names + ["cache"], args, kwargs)
        cache = values.pop("cache")
        inputs = CACHES.inputs_of(cache, forward)
        if inputs is None:
            raise ReplacementError("the correct %s put in place of yours needs a cache returned by %s in this "
                                   "run; it was given a %s made elsewhere" % (name, forward, type(cache).__name__))
        arrays = _as_arrays("upstream", values)
        arrays.update(("arg:%s" % key, value) for key, value in inputs.items())
        _, answer = ask_trusted({"call": name}, arrays)
        grads = tuple(answer["grad%d" % k] for k in range(count))
        return grads[0] if count == 1 else grads
    return replaced


def method_stub(spec, original=None):
    """A method whose work the trusted side does: it sends the named arguments and the
    arrays of the dict attribute spec["state"] (e.g. a model's parameters), and returns
    spec["returns"]: a list of ["scalar", key] (a float) and ["dict", prefix] (a dict of arrays)."""
    name, names, state = spec["name"], list(spec["args"]), spec.get("state")

    def replaced(self, *args, **kwargs):
        values = _bind(name, names, args, kwargs)
        arrays = _as_arrays("arg", values)
        if state:
            arrays.update(_as_arrays("state", dict(getattr(self, state))))
        _, answer = ask_trusted({"call": name}, arrays)
        results = []
        for kind, key in spec["returns"]:
            if kind == "scalar":
                results.append(float(answer[key]))
            else:
                results.append({k[len(key) + 1:]: v for k, v in answer.items() if k.startswith(key + ":")})
        return results[0] if len(results) == 1 else tuple(results)
    return replaced


STUBS = {"forward": forward_stub, "recorded": recorded_stub, "backward": backward_stub, "method": method_stub}


class replaced_functions:
    """Puts stubs in place of the named functions of the student's package for
    the length of a `with` block, then puts the student's back (in the sandbox
    the child ends anyway; in nbgrader's kernel the student's code lives on).

    Each spec names a module-level function ({"kind": "forward" | "backward"}),
    replaced wherever a module of the package holds it (so `from ..layers import f`
    sees it too), or a method ({"kind": "method", "class": ...}) of a class
    defined in the package."""

    def __init__(self, package, specs):
        self.package, self.specs, self.undo = package, list(specs or ()), []

    def __enter__(self):
        modules = [(n, m) for n, m in list(sys.modules.items()) if m is not None and
                   (n == self.package or n.startswith(self.package + "."))]
        for spec in self.specs:
            stub = STUBS[spec["kind"]](spec, self._original(modules, spec))
            stub.__name__ = spec["name"]
            for module_name, module in modules:
                for attribute, value in list(vars(module).items()):
                    if spec["kind"] == "method":
                        if attribute == spec["class"] and isinstance(value, type) and \
                                getattr(value, "__module__", "") == module_name and spec["name"] in vars(value):
                            self.undo.append((value, spec["name"], vars(value)[spec["name"]]))
                            setattr(value, spec["name"], stub)
                    elif attribute == spec["name"] and isinstance(value, types.FunctionType):
                        self.undo.append((module, attribute, value))
                        setattr(module, attribute, stub)
        return self

    @staticmethod
    def _original(modules, spec):
        """The student's function spec names (where it is defined, else wherever it is held)."""
        if spec["kind"] == "method":
            return None
        held = [(module_name, vars(module).get(spec["name"])) for module_name, module in modules]
        held = [(module_name, value) for module_name, value in held if isinstance(value, types.FunctionType)]
        own = [value for module_name, value in held if value.__module__ == module_name]
        return (own or [value for _, value in held] or [None])[0]

    def __exit__(self, *exc):
        for owner, attribute, value in reversed(self.undo):
            setattr(owner, attribute, value)
        self.undo = []
        return False

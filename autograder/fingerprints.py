"""Every check's identity and content hash (its fingerprint).

A check's fingerprint changes when anything that can change its verdict on
the same submission changes:
- its declaration: part, key, title, the files it needs, every part's title
  and dependencies, the policy and the time budget (not the points: a change
  of points re-scores every submission without running a check);
- its code and everything it reaches, followed through the bytecode: the
  functions and classes of the assignment's grading/ and reference package it
  names, and the values of the constants it reads (a tolerance, a case table,
  a time limit). `module.NAME` reads only NAME, and `TABLE["key"]` only that
  entry, so changing one tolerance changes the checks that read it and no
  other. A reference module named by a string (`ref.module("measures")`) counts
  at the attribute it is read at, or whole when only the module is used;
- the engine's code that runs a check (the sandbox, the child, the
  comparisons: autograder/ without its reporting and batch modules) and the
  assignment's child operations, whole.

Code counts by its compiled form, so a comment or a moved line changes nothing.
A batch re-runs, in a submission it graded before, only the checks whose
fingerprint changed (regrade.py).
"""
import dataclasses
import dis
import hashlib
import types
from pathlib import Path

from .paths import KIT_ROOT

# Modules that present, score, schedule or record gradings: a change to them
# re-scores and re-reports, but cannot change what a check measures.
NOT_VERDICT = {"__init__.py", "__main__.py", "batch.py", "batch_status.py", "calibrate.py", "class_summary.py",
               "cli.py", "cluster.py", "conftest.py", "fingerprints.py", "gradescope_bundle.py",
               "gradescope_run.py", "pytest_hidden.py", "regrade.py", "report.py", "scoring.py", "versions.py"}
_ATTRIBUTE_OPS = {"LOAD_ATTR", "LOAD_METHOD"}
_SKIP_OPS = {"PRECALL", "CALL", "CACHE", "KW_NAMES", "PUSH_NULL", "NOP"}


def engine_files():
    """The engine's modules whose code runs or judges a check (hashed whole into every check)."""
    return sorted(p for p in (KIT_ROOT / "autograder").glob("*.py") if p.name not in NOT_VERDICT) + \
        sorted((KIT_ROOT / "uploads").glob("*.py"))


def _file_digest(paths):
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode() + b"\0" + hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.digest()


class _Walker:
    """Digests objects and what they reach inside the tracked packages. Each function,
    class, module or container is digested once, with what it reaches, and reused:
    a digest cut short by a cycle through an object still being digested above it
    is not kept, so a check that reaches the inner object first digests it whole."""

    def __init__(self, tracked_prefixes, reference, reference_modules):
        # The private module names carry the assignment folder's path: a stable word stands for each.
        self.tracked = tuple(tracked_prefixes)
        self.stable = dict(zip(self.tracked, ("grading", "reference")))
        self.reference, self.reference_modules = reference, reference_modules
        self.memo, self.keep, self.depth_of, self.lowest = {}, [], {}, 0

    def is_tracked(self, obj):
        module = getattr(obj, "__module__", None) or getattr(obj, "__name__", "")
        return isinstance(module, str) and module.startswith(self.tracked)

    def name(self, obj):
        module = getattr(obj, "__module__", None) or getattr(obj, "__name__", "") or ""
        for private, word in self.stable.items():
            module = module.replace(private, word)
        return ("%s.%s" % (module, getattr(obj, "__qualname__", ""))).encode()

    def digest_of(self, obj):
        """obj's digest (bytes): its value, or its code and everything the code reads."""
        key = id(obj)
        if key in self.memo:
            return self.memo[key]
        if key in self.depth_of:                 # a cycle: its name here, its content above
            self.lowest = min(self.lowest, self.depth_of[key])
            return b"cycle" + self.name(obj)
        depth = len(self.depth_of)
        self.depth_of[key], outer_lowest, self.lowest = depth, self.lowest, depth
        digest = hashlib.sha256()
        self._feed(obj, digest)
        del self.depth_of[key]
        result = digest.digest()
        if self.lowest >= depth:
            self.memo[key] = result
            self.keep.append(obj)                # alive, so its id is never reused
        self.lowest = min(outer_lowest, self.lowest)
        return result

    def value(self, obj, digest):
        """Feed obj (data, a function, a class) into digest."""
        if isinstance(obj, (str, bytes, int, float, complex, bool, type(None))):
            digest.update(b"v" + repr(obj).encode())
        elif isinstance(obj, (set, frozenset)):
            digest.update(_stable_repr(obj).encode())
        elif type(obj).__module__ == "numpy" and hasattr(obj, "tobytes"):
            digest.update(b"a" + str(obj.dtype).encode() + repr(obj.shape).encode() + obj.tobytes())
        elif isinstance(obj, types.MethodType):
            self.value(obj.__func__, digest)
        elif isinstance(obj, (list, tuple, dict, types.FunctionType, type, types.ModuleType)) \
                or dataclasses.is_dataclass(obj) or self.is_tracked(type(obj)):
            digest.update(self.digest_of(obj))
        else:   # a library's object (a numpy function, a dtype): its name stands for it
            digest.update(b"o" + ("%s.%s" % (getattr(obj, "__module__", ""),
                                             getattr(obj, "__qualname__", type(obj).__qualname__))).encode())

    def _feed(self, obj, digest):
        if isinstance(obj, (list, tuple)):
            digest.update(b"[%d" % len(obj))
            for item in obj:
                self.value(item, digest)
        elif isinstance(obj, dict):
            self._items(obj, digest)
        elif isinstance(obj, types.FunctionType):
            digest.update(b"f" + self.name(obj))
            if self.is_tracked(obj):
                self.function(obj, digest)
        elif isinstance(obj, type):
            digest.update(b"c" + self.name(obj))
            if self.is_tracked(obj):
                self.cls(obj, digest)
        elif isinstance(obj, types.ModuleType):      # a module used as a whole: its file
            digest.update(b"m" + self.name(obj))
            if self.is_tracked(obj) and getattr(obj, "__file__", None):
                digest.update(_file_digest([obj.__file__]))
        elif dataclasses.is_dataclass(obj):
            self.value(type(obj), digest)
            for f in dataclasses.fields(obj):
                digest.update(f.name.encode())
                self.value(getattr(obj, f.name), digest)
        else:                                        # an instance of a tracked class
            self.value(type(obj), digest)
            self._items(getattr(obj, "__dict__", {}), digest)

    def _items(self, mapping, digest):
        digest.update(b"d%d" % len(mapping))
        for key in sorted(mapping, key=repr):
            digest.update(repr(key).encode())
            self.value(mapping[key], digest)

    def cls(self, cls, digest):
        for name, member in sorted(vars(cls).items()):
            if isinstance(member, (types.FunctionType, staticmethod, classmethod, property)):
                member = getattr(member, "__func__", None) or getattr(member, "fget", None) or member
                digest.update(name.encode())
                self.value(member, digest)
            elif not name.startswith("__"):
                digest.update(name.encode())
                self.value(member, digest)
        for field in getattr(cls, "__dataclass_fields__", {}).values():
            digest.update(field.name.encode())
            if not isinstance(field.default, dataclasses._MISSING_TYPE):
                self.value(field.default, digest)

    def function(self, fn, digest):
        self.code(fn.__code__, fn.__globals__, digest)
        for cell in fn.__closure__ or ():
            try:
                self.value(cell.cell_contents, digest)
            except ValueError:       # an empty cell
                digest.update(b"empty")
        self.value(fn.__defaults__, digest)
        self.value(fn.__kwdefaults__, digest)

    def code(self, code, namespace, digest):
        digest.update(code.co_code + repr(code.co_names).encode() + repr(code.co_varnames).encode())
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                self.code(const, namespace, digest)
            else:
                digest.update(_stable_repr(const).encode())
        for entry, target in _reads(code, namespace, self.reference, self.reference_modules):
            digest.update(entry)
            self.value(target, digest)


_READS = {}


def _reads(code, namespace, reference, reference_modules):
    """[(what is read, its value now)]: the globals, module attributes, constant-key entries and
    reference modules one code object reads (its nested code has its own). The bytecode is
    scanned once per code object; the values are read again each time (a test may change them)."""
    key = (code, id(namespace), reference.name)
    if key not in _READS:
        _READS[key] = list(_scan(list(dis.get_instructions(code)), namespace, reference_modules))
    return [(_entry(key), _resolve(root, attributes, key, namespace, reference))
            for root, attributes, key in _READS[key]]


def _entry(key):
    return b"read" if key is _NO_KEY else b"entry" + repr(key).encode()


_NO_KEY = object()


def _resolve(root, attributes, key, namespace, reference):
    kind, name = root
    target = namespace[name] if kind == "global" else reference.module(name)
    for attribute in attributes:
        if not (isinstance(target, types.ModuleType) and hasattr(target, attribute)):
            break
        target = getattr(target, attribute)
    if key is not _NO_KEY and isinstance(target, dict) and key in target:
        target = target[key]
    return target


def _scan(instructions, namespace, reference_modules):
    """(root, attribute chain, constant key or _NO_KEY) of every read the bytecode makes."""
    for index, ins in enumerate(instructions):
        if ins.opname == "LOAD_GLOBAL" and ins.argval in namespace:
            root, index = ("global", ins.argval), index + 1
        elif ins.opname == "LOAD_CONST" and isinstance(ins.argval, str) and ins.argval in reference_modules:
            root, index = ("reference", ins.argval), index + 1
            while index < len(instructions) and instructions[index].opname in _SKIP_OPS:
                index += 1
        else:
            continue
        attributes = []
        while index < len(instructions) and instructions[index].opname in _ATTRIBUTE_OPS:
            attributes.append(instructions[index].argval)
            index += 1
        key = _NO_KEY
        if (index + 1 < len(instructions) and instructions[index].opname == "LOAD_CONST"
                and instructions[index + 1].opname in ("BINARY_SUBSCR", "BINARY_OP")
                and _hashable(instructions[index].argval)):
            key = instructions[index].argval
        yield root, tuple(attributes), key


def _stable_repr(value):
    """repr, with sets in a fixed order (a string's hash, and so a set's order, changes per process)."""
    if isinstance(value, (set, frozenset)):
        return "{%s}" % ", ".join(sorted(map(_stable_repr, value)))
    if isinstance(value, tuple):
        return "(%s)" % ", ".join(map(_stable_repr, value))
    return repr(value)


def _hashable(value):
    try:
        hash(value)
        return True
    except TypeError:
        return False


def reference_module_names(task):
    root = task.reference_package_dir
    return {".".join(p.relative_to(root).with_suffix("").parts) for p in root.rglob("*.py")
            if "__pycache__" not in p.parts and p.name != "__init__.py"}


def check_fingerprints(task):
    """{"part::key": 16 hex digits} for every check of the assignment."""
    reference = task.reference()
    common = hashlib.sha256(b"check-fingerprint-1\0")
    common.update(_file_digest(engine_files() + [task.child_ops]))
    common.update(repr(sorted(dataclasses.asdict(task.policy).items())).encode())
    common.update(repr(task.settings.get("time_budget_seconds")).encode())
    # Every part's title and dependencies (a check names other parts, and reads the verdicts of
    # those it depends on); not the points: they change the scoring, never a verdict.
    common.update(repr([(p.id, p.title, p.kind, p.depends_on) for p in task.parts.values()]).encode())
    walker = _Walker((task.grading.__name__, reference.name), reference, reference_module_names(task))
    fingerprints = {}
    for part, check in task.checks():
        digest = common.copy()
        digest.update(repr((part.id, check.key, check.title, check.needs,
                            check.counts_only_with, check.explains_downstream, check.long)).encode())
        walker.value(check.run, digest)
        fingerprints["%s::%s" % (part.id, check.key)] = digest.hexdigest()[:16]
    return fingerprints

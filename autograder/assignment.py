"""An assignment as the engine sees it: settings, parts and their checks.

The engine knows nothing of any particular assignment. An assignment is a
folder `source/<id>/` holding
- `rubric.json`: the course's settings (the student package's name, the
  grading policy) and the rubric (every part's title, notebook, points, kind
  and dependencies);
- the reference package (the instructor's solution, markers as comments);
- `grading/`, the hidden side, never released: its `__init__.py` names the
  reference package, the graded files, the child operations module and the
  data the checks read, and `declare(assignment)` returns every automatic
  part's checks.

Everything else (runner, reports, batch, Gradescope, nbgrader cells, the
self-check) reads the assignment through `load()`.
"""
import ast
import importlib.util
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from uploads.layout import default_assignment_folder

from .paths import KIT_ROOT
from .reference import Reference, private_name


@dataclass(frozen=True)
class Policy:
    """Course-wide grading rules, set in rubric.json's "policy"."""
    preserve_dtype: bool = False           # results must keep the inputs' float dtype (costs points when on)
    error_carried_forward: bool = True     # a failing check is judged again with its charged callees replaced


@dataclass
class Check:
    """One hidden check of a part: a trusted-side body and how it scores.

    run(ctx) returns an Outcome, or (Outcome, shapes text). `key` is stable
    (selection with -k, ids); `title` is what a student reads.
    """
    key: str
    title: str
    run: Callable
    needs: tuple = None               # graded files (keys of Assignment.graded_files) it imports; None: all
    counts_only_with: tuple = ()      # keys of checks of the same part that must pass for this one to score
    explains_downstream: bool = True  # a failure here can explain failures of parts that use this one
    long: bool = False                # long-running (training): gets its own lane when a core is free


@dataclass
class Part:
    id: str
    title: str
    notebook: str
    points: float
    kind: str                          # 'auto' or 'manual'
    depends_on: tuple
    checks: list = field(default_factory=list)

    def check(self, key):
        return next(c for c in self.checks if c.key == key)


@dataclass
class Assignment:
    id: str
    folder: Path                       # source/<id>
    package: str                       # the student package's name in release/, solutions/ and submissions
    source_package: str                # the package folder's name in source/<id>
    graded_files: dict                 # key -> path inside the package, e.g. {"layers": "rnn_layers.py"}
    policy: Policy
    parts: dict                        # id -> Part, in rubric order
    grading: object                    # the grading/ module
    settings: dict                     # rubric.json as read

    @property
    def reference_package_dir(self):
        return self.folder / self.source_package

    @property
    def rubric_path(self):
        return self.folder / "rubric.json"

    @property
    def release_version(self):
        """rubric.json's "version": the release students have (stamped into it by the build)."""
        return str(self.settings.get("version", ""))

    @property
    def child_ops(self):
        return Path(self.grading.CHILD_OPS)

    @property
    def embedded_data_dir(self):
        """datasets/<the grading's DATA_NAME>: the data `make data` writes."""
        return KIT_ROOT / "datasets" / self.grading.DATA_NAME

    @property
    def data_dir(self):
        return Path(os.environ.get("AUTOGRADER_DATA_DIR", self.embedded_data_dir))

    @property
    def data_environment(self):
        """The environment variable the notebooks read their data folder from."""
        return self.grading.DATA_ENVIRONMENT

    @property
    def notebooks(self):
        """The notebooks the parts live in (their names without .ipynb), in rubric order."""
        return tuple(dict.fromkeys(part.notebook for part in self.parts.values()))

    @property
    def auto_parts(self):
        return [p for p in self.parts.values() if p.kind == "auto"]

    def checks(self):
        """(part, check) of every automatic part, in rubric order."""
        return [(part, check) for part in self.auto_parts for check in part.checks]

    def max_score(self):
        return sum(p.points for p in self.auto_parts)

    def reference(self):
        return Reference.for_assignment(self)

    @property
    def graded_paths(self):
        """The graded files as paths in the assignment folder (<package>/<file>), in rubric order."""
        return ["%s/%s" % (self.package, path) for path in self.graded_files.values()]

    @property
    def probe_modules(self):
        """graded file key -> its dotted module inside the package (imported alone to probe it)."""
        return {key: path[:-len(".py")].replace("/", ".") for key, path in self.graded_files.items()}

    def grading_files(self):
        """The files of grading/ a grading needs (its import allow-list; never quality/)."""
        return grading_files(self.folder / "grading", self.child_ops)

    def grading_module(self, name):
        """A module of grading/, e.g. grading_module("quality.mutants")."""
        return importlib.import_module("%s.%s" % (self.grading.__name__, name))


def _sibling_imports(path, top_level_only=False):
    """The names of grading/'s own modules a file imports (`from . import x`, `from .x import y`)."""
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in (tree.body if top_level_only else ast.walk(tree)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
    return found


def grading_files(grading, child_ops):
    """The files of grading/ a grading image needs, by allow-list: the package, the child
    operations, and every module they import, at any depth; a module the package only
    imports inside a function (build and calibration hooks) is left out, and so is
    everything nothing imports (mutants, the corpus, the copy check's material)."""
    wanted, todo = set(), sorted(_sibling_imports(grading / "__init__.py", top_level_only=True))
    files = [grading / "__init__.py", Path(child_ops)]
    todo += sorted(_sibling_imports(Path(child_ops)))
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        module, package = grading / (name + ".py"), grading / name
        found = [module] if module.is_file() else sorted(package.rglob("*.py")) if package.is_dir() else []
        for path in found:
            if "__pycache__" not in path.parts:
                files.append(path)
                todo += sorted(_sibling_imports(path))
    return sorted(set(files))


def read_parts(rubric):
    """The rubric's parts (without checks), in order."""
    return {p["id"]: Part(p["id"], p["title"], p["notebook"], float(p["points"]), p["kind"],
                          tuple(p.get("depends_on", ()))) for p in rubric["parts"]}


def default_folder():
    """AUTOGRADER_ASSIGNMENT, else the one folder source/<id>/ that has grading/."""
    return default_assignment_folder(KIT_ROOT)


def _import_grading(folder, assignment_id):
    """grading/ as a package under a private name (it is not on sys.path)."""
    name = private_name("grading", assignment_id, folder)
    if name in sys.modules:
        return sys.modules[name]
    init = folder / "grading" / "__init__.py"
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(init.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


_LOADED = {}


def load(folder=None):
    """The assignment at folder (default: default_folder()), with every part's checks declared."""
    folder = Path(folder).resolve() if folder else default_folder()
    if folder in _LOADED:
        return _LOADED[folder]
    settings = json.loads((folder / "rubric.json").read_text())
    grading = _import_grading(folder, settings["assignment"])
    assignment = Assignment(
        id=settings["assignment"], folder=folder,
        package=settings.get("package", grading.SOURCE_PACKAGE),
        source_package=grading.SOURCE_PACKAGE, graded_files=dict(settings["graded_files"]),
        policy=Policy(**settings.get("policy", {})), parts=read_parts(settings),
        grading=grading, settings=settings)
    declared = grading.declare(assignment)
    unknown = sorted(set(declared) - {p.id for p in assignment.auto_parts})
    missing = [p.id for p in assignment.auto_parts if not declared.get(p.id)]
    if unknown or missing:
        raise RuntimeError("grading/ and rubric.json disagree: checks for unknown parts %s; automatic "
                           "parts without checks %s" % (unknown, missing))
    for part_id, checks in declared.items():
        assignment.parts[part_id].checks = list(checks)
    _LOADED[folder] = assignment
    return assignment


def upstream_closure(part_id, parts, among=None):
    """Every part that part_id depends on, directly or through others.

    With `among` (a set of part ids), only those parts are followed: the
    chain stops at a part outside it."""
    seen, stack = [], list(parts[part_id].depends_on)
    while stack:
        dep = stack.pop(0)
        if dep not in seen and dep in parts and (among is None or dep in among):
            seen.append(dep)
            stack.extend(parts[dep].depends_on)
    return seen

"""Hidden checks for nbgrader's autograder test cells, run inside the student's kernel.

Each source notebook's test cell ends with a hidden region that calls
`check_part("<part id>")`. It runs, for that part:
- the public check (the student's `captioning.public_checks`, which nbgrader
  restores from source before grading), and
- every hidden check the sandboxed grader has for the part (autograder/checks/):
  the same seeded random inputs of varied shapes and dtypes, the same
  tolerances and the same comparisons, against the reference solution.

One definition per fact: nothing here defines an input, a tolerance or a
message. The check functions of autograder/checks/ are called directly with a
grading context whose "sandbox" calls the student's functions in this process
(through child.py's own calling code) instead of in a child process.

The reference is the course's source/rnn_captioning/captioning, loaded under
the module name `_reference_captioning` so it cannot clash with the student's
`captioning`. The course root is the nearest folder above the working
directory that holds nbgrader_config.py.

TRUST: THESE CHECKS CAN BE FORGED. nbgrader runs them in the student's kernel,
so student code that ran earlier can replace numpy, this module or
AssertionError itself (notes/anchors.md: one monkeypatch forges a full score).
They give nbgrader users the familiar workflow and honest feedback; the
trusted path is the sandboxed grader (`python -m autograder grade`) and
`python -m nbgrader_bridge import-grades`, which overwrites the autograder
cells' scores in gradebook.db with the sandboxed grader's.

There are no time or memory limits here beyond nbgrader's per-cell timeout.
"""
import contextlib
import importlib
import importlib.util
import inspect
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from . import child, plan, reference, rubric, runner
from .compare import Outcome
from .proxy import StudentProxy

REFERENCE_NAME = "_reference_captioning"
CHECK_MODULES = ("test_layers.py", "test_model.py", "test_overfit.py")


class HiddenCheckFailed(AssertionError):
    """A failed in-kernel check; the message names shapes and errors, never hidden values."""


def course_root(start=None):
    """The nearest folder at or above start (default: cwd) holding nbgrader_config.py."""
    folder = Path(start or os.getcwd()).resolve()
    for candidate in [folder, *folder.parents]:
        if (candidate / "nbgrader_config.py").is_file():
            return candidate
    raise RuntimeError("no course root (a folder with nbgrader_config.py) above %s" % folder)


def load_reference(course):
    """The course's reference package, imported as `_reference_captioning` (once per kernel)."""
    if REFERENCE_NAME in sys.modules:
        return sys.modules[REFERENCE_NAME]
    package_dir = course / "source" / "rnn_captioning" / "captioning"
    spec = importlib.util.spec_from_file_location(REFERENCE_NAME, package_dir / "__init__.py",
                                                  submodule_search_locations=[str(package_dir)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[REFERENCE_NAME] = package
    spec.loader.exec_module(package)
    return package


@contextlib.contextmanager
def reference_bound_to(package):
    """Make autograder.reference hand out `package`'s modules while the checks run.

    autograder.reference imports the reference as `captioning`, which in this
    kernel is the STUDENT's package: the checks would compare the student
    with themself. The swap is undone afterwards.
    """
    def submodule(name):
        return importlib.import_module("%s.%s" % (REFERENCE_NAME, name))

    replacements = {"layers": lambda: submodule("rnn_layers"),
                    "model_class": lambda: submodule("classifiers.rnn").CaptioningRNN,
                    "public_checks": lambda: submodule("public_checks"),
                    "coco_utils": lambda: submodule("coco_utils")}
    saved = {name: getattr(reference, name) for name in replacements}
    for name, function in replacements.items():
        setattr(reference, name, function)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(reference, name, function)


def check_modules(course):
    """The sandboxed grader's hidden check modules (autograder/checks is not a package)."""
    modules = []
    for filename in CHECK_MODULES:
        name = "_in_kernel_checks_" + filename[:-3]
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, course / "autograder" / "checks" / filename)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        modules.append(sys.modules[name])
    return modules


# ---------------------------------------------------------------------------
# The student's code, called in this process
# ---------------------------------------------------------------------------

class InKernelRun:
    """What StudentProxy reads of a sandbox run (see sandbox.Sandbox.call)."""

    def __init__(self, arrays, errors, fatal, seconds):
        self.ok, self.detail, self.status = True, "", "ok"
        self.arrays, self.stdout, self.stderr = arrays, "", ""
        self.meta = {"errors": errors, "fatal": fatal}
        self.wall_seconds = seconds


def notebook_namespace():
    """The notebook's variables (IPython's user namespace), or {} outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return {}
    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


class InKernelSandbox:
    """Stands in for sandbox.Sandbox: runs child.py's calling code on the
    student's package already imported in this kernel."""

    def __init__(self):
        self.trained = {}     # cell type -> (params, loss history) of a run made here: one per kernel
        self.used = {}        # cell type -> (params, loss history) the last overfit check used

    def call(self, arrays, meta, limits=None):
        started = time.monotonic()
        reply, fatal = child.Reply(), None
        try:
            layers = importlib.import_module("captioning.rnn_layers")
            model_class = importlib.import_module("captioning.classifiers.rnn").CaptioningRNN
            solver_class = importlib.import_module("captioning.captioning_solver").CaptioningSolver
        except Exception as exc:
            fatal = "importing your package failed: %s: %s" % (type(exc).__name__, exc)
        if fatal is None:
            if meta["op"] == "layers":
                child.run_layers(meta, arrays, layers, reply)
            elif meta["op"] == "model":
                child.run_model(meta, arrays, model_class, reply)
            elif meta["op"] == "overfit":
                self.overfit(meta, arrays, model_class, solver_class, reply)
        return InKernelRun(dict(reply), reply.errors, fatal, time.monotonic() - started)

    def overfit(self, meta, arrays, model_class, solver_class, reply):
        """The model the notebook's locked training cell trained, else one training run here."""
        cell_type = meta["cell_type"]
        run = notebook_trained_model(cell_type, meta, arrays, model_class)
        if run is None:
            if cell_type not in self.trained:
                fresh = child.Reply()
                child.run_overfit(meta, arrays, model_class, solver_class, fresh)
                if fresh.errors:
                    reply.errors.update(fresh.errors)
                    return
                self.trained[cell_type] = ({k[len("param:"):]: v for k, v in fresh.items()
                                            if k.startswith("param:")}, fresh["loss_history"])
            run = self.trained[cell_type]
        self.used[cell_type] = run
        params, history = run
        for name, value in params.items():
            reply["param:%s" % name] = np.array(value, copy=True)
        reply["loss_history"] = np.asarray(history, dtype=np.float64)


def notebook_trained_model(cell_type, meta, arrays, model_class):
    """(params, loss history) of `small_<cell>_model` / `small_<cell>_solver`, when
    they are the locked training cell's run on exactly the grader's data."""
    namespace = notebook_namespace()
    model = namespace.get("small_%s_model" % cell_type)
    solver = namespace.get("small_%s_solver" % cell_type)
    if not isinstance(model, model_class) or getattr(model, "cell_type", None) != cell_type:
        return None
    data = getattr(solver, "data", None)
    if getattr(solver, "model", None) is not model or not isinstance(data, dict):
        return None
    same_data = (data.get("word_to_idx") == meta["word_to_idx"]
                 and all(np.array_equal(data.get(key), arrays[key])
                         for key in ("train_captions", "train_image_idxs", "train_features")))
    if not same_data or not getattr(solver, "loss_history", None):
        return None
    return dict(model.params), np.asarray(solver.loss_history, dtype=np.float64)


# ---------------------------------------------------------------------------
# Running the checks of one part
# ---------------------------------------------------------------------------

class OnePartGrading(runner.GradingContext):
    """The grader's GradingContext, running only the checks of one part: every
    check function is called, and those of other parts return at once."""

    def __init__(self, part, parts, sandbox):
        super().__init__(StudentProxy(sandbox, []), parts)
        self.part = part

    def run_check(self, part, title, body):
        if part == self.part:
            super().run_check(part, title, body)


_SANDBOX = None


def hidden_rows(part, course):
    """Run every hidden check of `part`; returns runner Rows (one per planned check)."""
    global _SANDBOX
    _SANDBOX = _SANDBOX or InKernelSandbox()
    parts = rubric.parts_by_id(course / "source" / "rnn_captioning" / "rubric.json")
    grading = OnePartGrading(part, parts, _SANDBOX)
    with reference_bound_to(load_reference(course)):
        for module in check_modules(course):
            for name, function in sorted(vars(module).items()):
                if not (name.startswith("test_") and inspect.isfunction(function)):
                    continue
                if "part" in inspect.signature(function).parameters:
                    if part not in parametrized_parts(function):
                        continue
                    call = lambda: function(grading, part)  # noqa: E731
                else:
                    call = lambda: function(grading)  # noqa: E731
                try:
                    call()
                except pytest.fail.Exception:
                    pass      # the failure is in grading.rows already
    recorded = {row.check: row for row in grading.rows}
    return [recorded.get(title) or runner.Row(part, title, Outcome(False, "this check did not run"))
            for title in plan.planned_checks(part)]


def parametrized_parts(function):
    """The part ids a check function is parametrized over (its @pytest.mark.parametrize)."""
    for mark in getattr(function, "pytestmark", []):
        if mark.name == "parametrize" and mark.args and mark.args[0] == "part":
            return list(mark.args[1])
    return []


def public_failure(part, sandbox):
    """The public check's verdict (None when it passes), from the student's public_checks.

    The overfit check measures the final loss of the run the hidden check
    used (the notebook's, or the one training run of this kernel).
    """
    public_checks = importlib.import_module("captioning.public_checks")
    if part.startswith("overfit_"):
        cell_type = part[len("overfit_"):]
        trained = sandbox.used.get(cell_type)
        if trained is None or not len(trained[1]):
            return "the model could not be trained (see the hidden check)"
        measurement = public_checks.overfit_measurement(cell_type, trained[1][-1])
        if measurement.passed:
            return None
        return "final training loss %.4g is not below %g" % (measurement.value, measurement.bound)
    outcome = public_checks.run_check(part)
    return None if outcome.passed else "%s (run show_check(%r) for the table)" % (outcome.status, part)


def check_part(part):
    """Raise AssertionError unless `part` passes its public and hidden checks."""
    course = course_root()
    problems = []
    for row in hidden_rows(part, course):
        if not row.outcome.passed:
            line = "hidden check '%s': %s" % (row.check, row.outcome.message)
            # combine() already names the failing case's shapes; a single case does not.
            if row.shapes and row.shapes.split("; ")[0] not in row.outcome.message:
                line += " [input shapes: %s]" % row.shapes
            problems.append(line)
    public = public_failure(part, _SANDBOX)
    if public:
        problems.insert(0, "public check: %s" % public)
    if problems:
        raise HiddenCheckFailed("%s fails %d check(s):\n- %s" % (part, len(problems), "\n- ".join(problems)))

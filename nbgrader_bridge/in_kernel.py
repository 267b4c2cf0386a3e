"""Hidden checks for nbgrader's autograder test cells, run inside the student's kernel.

Each source notebook's test cell ends with a hidden region that calls
`check_part("<part id>")`. It runs, for that part:
- the public check (the student's `<package>.public_checks`, which nbgrader
  restores from source before grading), and
- every hidden check the sandboxed grader has for the part (the assignment's
  registry): the same seeded random inputs of varied shapes and dtypes, the
  same tolerances and the same comparisons, against the reference solution.

One definition per fact: nothing here defines an input, a tolerance or a
message. The registry's checks run with a proxy whose "sandbox" calls the
student's functions in this process, through the child's own calling code
(child.run_request and the assignment's child operations), instead of in a
child process. The reference is the course's source package, loaded under a
private module name (autograder.reference), so it never clashes with the
student's package. nbgrader_config.py puts the course root on the kernel's
path, so a test cell needs only `from nbgrader_bridge.in_kernel import check_part`.

TRUST: THESE CHECKS CAN BE FORGED. nbgrader runs them in the student's kernel,
so student code that ran earlier can replace numpy, this module or
AssertionError itself (tests/test_nbgrader_e2e.py: one monkeypatch forges a full score).
They give nbgrader users the familiar workflow and honest feedback; the
trusted path is the sandboxed grader (`python -m autograder grade`) and
`python -m nbgrader_bridge import-grades`, which overwrites the autograder
cells' scores in gradebook.db with the sandboxed grader's.

There are no time or memory limits here beyond nbgrader's per-cell timeout.
"""
import importlib
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

from autograder import assignment as assignments
from autograder import child, childlib, runner
from autograder.proxy import StudentProxy
from autograder.reference import private_name


class HiddenCheckFailed(AssertionError):
    """A failed in-kernel check; the message names shapes and errors, never hidden values."""


def child_operations(task):
    """The assignment's child operations, loaded as in the sandbox (they import `childlib`)."""
    name = private_name("child_ops", task.id, task.folder)
    if name not in sys.modules:
        sys.modules.setdefault("childlib", childlib)
        spec = importlib.util.spec_from_file_location(name, task.child_ops)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


class InKernelRun:
    """What StudentProxy reads of a sandbox run (see sandbox.Sandbox.call)."""

    def __init__(self, arrays, reply, fatal, seconds):
        self.ok, self.detail, self.status, self.stuck_in = True, "", "ok", None
        self.arrays, self.stdout, self.stderr = arrays, "", ""
        self.meta = {"errors": reply.errors, "fatal": fatal, "warnings": reply.warnings, "notes": reply.notes}
        self.wall_seconds = seconds


class InKernelSandbox:
    """Stands in for sandbox.Sandbox: runs the child's calling code on the
    student's package already imported in this kernel.

    An op the assignment runs once per kernel (grading.IN_KERNEL_ONCE: op name ->
    the request field that tells its runs apart, e.g. a training per cell type)
    is run the first time and its reply reused after: every check of the parts
    that use it reads the same run, as in the sandbox, without training again."""

    def __init__(self, task):
        self.task = task
        self.once = dict(getattr(task.grading, "IN_KERNEL_ONCE", {}))
        self.replies = {}     # (op, its run's key) -> the reply of the run made here

    def call(self, arrays, meta, limits=None, oracle=None):
        started = time.monotonic()
        ops = child_operations(self.task)
        asked_before, childlib.ORACLE = childlib.ORACLE, oracle     # replaced functions ask it directly
        try:
            if meta["op"] in self.once and not meta.get("replace"):
                reply, fatal = self.run_once(meta, arrays, ops)
            else:
                reply, fatal = child.run_request(meta, arrays, ops, meta["package"])
        finally:
            childlib.ORACLE = asked_before
        return InKernelRun(dict(reply), reply, fatal, time.monotonic() - started)

    def run_once(self, meta, arrays, ops):
        """(reply, fatal) of the op's first run with this key; a copy of it afterwards.
        A run that failed is not kept: the next check runs it again."""
        key = (meta["op"], meta[self.once[meta["op"]]])
        if key not in self.replies:
            reply, fatal = child.run_request(meta, arrays, ops, meta["package"])
            if fatal or reply.errors:
                return reply, fatal
            self.replies[key] = reply
        kept, reply = self.replies[key], childlib.Reply()
        reply.update({name: np.array(value, copy=True) for name, value in kept.items()})
        reply.warnings, reply.notes = dict(kept.warnings), dict(kept.notes)
        return reply, None


# ---------------------------------------------------------------------------
# Running the checks of one part
# ---------------------------------------------------------------------------

_SANDBOX = {}
_CONTEXT = {}


def student_sources(task):
    """{graded file key: its text} of the student's package this kernel imports."""
    spec = importlib.util.find_spec(task.package)
    folder = Path(spec.origin).parent if spec is not None and spec.origin else None
    sources = {}
    for key, relative in task.graded_files.items():
        try:
            sources[key] = (folder / relative).read_text()
        except (OSError, TypeError, UnicodeDecodeError):
            continue
    return sources


def hidden_rows(part_id, task):
    """Run every hidden check of one part; returns runner Rows (one per check).

    One context per kernel: the rows of the parts checked before this one
    (the notebook's earlier test cells) are there, so a composite can be
    judged given the student's own failing step (error carried forward). A
    part it uses whose hidden checks have not run in this kernel (its cell
    stopped at the visible check's assert, or was not run) is checked first,
    as the grader checks every part in rubric order."""
    sandbox = _SANDBOX.setdefault(task.id, InKernelSandbox(task))
    context = _CONTEXT.get(task.id)
    if context is None:
        context = _CONTEXT[task.id] = runner.CheckContext(task, StudentProxy(sandbox, [], task.package),
                                                          task.reference(), sources=student_sources(task))
        context.quick_done.set()     # the parts a part uses are checked before it, below
    context.rows[:] = [row for row in context.rows if row.part != part_id]   # a cell run again
    timed_out, faults = set(), []
    checked = {row.part for row in context.rows}
    used = assignments.upstream_closure(part_id, task.parts)
    for dep in [p for p in task.parts if p in used and p not in checked and task.parts[p].kind == "auto"]:
        for check in task.parts[dep].checks:
            runner.run_one(context, task.parts[dep], check, timed_out, None, faults)
    part = task.parts[part_id]
    return [runner.run_one(context, part, check, timed_out, None, faults) for check in part.checks]


def public_failure(part, task):
    """The public check's verdict (None when it passes), from the student's public_checks.

    A part with a long check (a training) has none here: its hidden check already
    measured what the self-check measures of the grader's run, and the notebook's
    own run is the cell's visible assert.
    """
    if any(check.long for check in task.parts[part].checks):
        return None
    public_checks = importlib.import_module("%s.public_checks" % task.package)
    outcome = public_checks.run_check(part)
    # 'waiting' (a function it uses fails its own check) is for the hidden checks to decide,
    # as the grader decides it: with correct versions of those functions in place.
    return None if not outcome.failed else "%s (run show_check(%r) for the table)" % (outcome.status, part)


def check_part(part):
    """Raise AssertionError unless `part` passes its public and hidden checks."""
    task = assignments.load()
    problems = []
    for row in hidden_rows(part, task):
        if not row.outcome.passed:
            line = "hidden check '%s': %s" % (row.check, row.outcome.message)
            # combine() already names the failing case's shapes; a single case does not.
            if row.shapes and row.shapes.split("; ")[0] not in row.outcome.message:
                line += " [input shapes: %s]" % row.shapes
            problems.append(line)
    public = public_failure(part, task)
    if public:
        problems.insert(0, "public check: %s" % public)
    if problems:
        raise HiddenCheckFailed("%s fails %d check(s):\n- %s" % (part, len(problems), "\n- ".join(problems)))

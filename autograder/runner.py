"""Runs the hidden pytest checks (in this trusted process) against one sandboxed submission.

The checks in autograder/checks/ get the current GradingContext from
`current()`; each check records one Row. pytest runs with the kit's own
config and rootdir (autograder/checks), never with the submission's.
"""
import contextlib
import os
import time
import traceback
from dataclasses import dataclass, field

import pytest

from . import plan
from .compare import Outcome
from .proxy import StudentProxy, StudentRunFailed
from .tolerances import LIMITS

CHECKS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checks")
_CURRENT = None


@dataclass
class Row:
    part: str
    check: str
    outcome: Outcome
    seconds: float = 0.0
    shapes: str = ""             # shapes of the hidden inputs (never their values)


@dataclass
class GradingContext:
    proxy: StudentProxy
    parts: dict
    rows: list = field(default_factory=list)
    timed_out_parts: set = field(default_factory=set)
    import_failure: str = None
    curves: dict = field(default_factory=dict)   # cell type -> dict(history, final_loss, threshold)
    overfit_data: object = None                   # loads the training set on first use
    grader_faults: list = field(default_factory=list)

    def run_check(self, part, title, body):
        """Run body() -> (Outcome, shapes text) as the check (part, title) and record its row.

        A student-side failure or a grader fault becomes a failed row with a
        reason; nothing escapes, so every planned check always has a row.
        """
        started = time.monotonic()
        self.proxy.title = "%s: %s" % (part, title)
        shapes = ""
        if self.import_failure:
            outcome = Outcome(False, self.import_failure)
        elif part in self.timed_out_parts:
            outcome = Outcome(False, "not run: an earlier check of this part ran out of time")
        else:
            try:
                outcome, shapes = body()
            except StudentRunFailed as exc:
                outcome = Outcome(False, str(exc))
                if "limit" in str(exc):
                    self.timed_out_parts.add(part)
            except Exception as exc:  # a grader fault must still leave a row
                outcome = Outcome(False, "the grader could not finish this check (%s: %s); "
                                  "tell your instructor" % (type(exc).__name__, exc))
                self.grader_faults.append(traceback.format_exc())
        self.rows.append(Row(part, title, outcome, time.monotonic() - started, shapes))
        if not outcome.passed:
            pytest.fail(outcome.message, pytrace=False)


def current():
    if _CURRENT is None:
        raise RuntimeError("the hidden checks run only through autograder.runner.run_checks")
    return _CURRENT


def probe_import(context):
    """One quick run that only imports the package, so an import-time hang or
    crash costs one budget instead of one per check."""
    context.proxy.title = "import"
    try:
        context.proxy._run({}, {"op": "layers", "cases": []}, LIMITS["probe"])
    except StudentRunFailed as exc:
        context.import_failure = "your package could not be loaded: %s" % exc


def run_checks(context, select=None):
    """Run every hidden check against context.proxy; returns context.rows, one per planned check."""
    global _CURRENT
    _CURRENT = context
    probe_import(context)
    args = [CHECKS_DIR, "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            "--rootdir", CHECKS_DIR, "-c", os.path.join(CHECKS_DIR, "pytest.ini"),
            "--import-mode=importlib", "-o", "addopts=", "--no-header", "-rN", "--tb=no"]
    if select:
        args += ["-k", select]
    saved = os.environ.pop("PYTEST_ADDOPTS", None)
    try:
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            pytest.main(args)
    finally:
        _CURRENT = None
        if saved is not None:
            os.environ["PYTEST_ADDOPTS"] = saved
    return complete_rows(context, select is None)


def complete_rows(context, fill_missing=True):
    """Order the rows as the rubric and the plan do; a planned check without a row fails."""
    by_key = {(row.part, row.check): row for row in context.rows}
    ordered = []
    for part in context.parts.values():
        if part.kind != "auto":
            continue
        for title in plan.planned_checks(part.id):
            row = by_key.get((part.id, title))
            if row is None and fill_missing:
                reason = context.import_failure or "this check did not run (the grader stopped early)"
                row = Row(part.id, title, Outcome(False, reason))
            if row is not None:
                ordered.append(row)
    return ordered

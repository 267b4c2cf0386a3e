"""Runs an assignment's hidden checks, in this trusted process, against one
sandboxed submission: one Row per check, whatever happens.

The checks are the assignment's registry (assignment.Check objects); each
body talks to the student only through the proxy it is handed. A student-side
failure or a fault of the grader becomes a failed row with a reason: nothing
escapes, so every selected check always has a row.
"""
import time
import traceback
from dataclasses import dataclass, field

from .compare import Outcome
from .proxy import StudentRunFailed
from .sandbox import Limits
from .selection import matcher

PROBE_LIMITS = Limits(wall_seconds=10, cpu_seconds=8)


@dataclass
class Row:
    part: str
    check: str                   # the check's title
    outcome: Outcome
    seconds: float = 0.0
    shapes: str = ""             # shapes of the hidden inputs (never their values)
    key: str = ""


@dataclass
class CheckContext:
    """What a check body gets: the student (through the proxy), the reference, and where to put curves."""
    assignment: object
    proxy: object
    reference: object
    curves: dict = field(default_factory=dict)   # name -> dict(history, final_loss, threshold)


@dataclass
class RunResult:
    rows: list
    curves: dict
    import_failure: str = None
    grader_faults: list = field(default_factory=list)


def check_id(part, check):
    return "%s::%s" % (part.id, check.key)


def probe_import(assignment, proxy):
    """One quick run that only imports the package, so an import-time hang or
    crash costs one budget instead of one per check. Returns the failure text or None."""
    proxy.title = "import"
    try:
        proxy.run({}, {"op": "probe", "imports": list(assignment.grading.PROBE_IMPORTS)}, PROBE_LIMITS)
    except StudentRunFailed as exc:
        return "your package could not be loaded: %s" % exc
    return None


def run_one(context, part, check, timed_out_parts, import_failure, faults):
    """Run one check; returns its Row."""
    started = time.monotonic()
    context.proxy.title = "%s: %s" % (part.id, check.title)
    shapes = ""
    if import_failure:
        outcome = Outcome(False, import_failure)
    elif part.id in timed_out_parts:
        outcome = Outcome(False, "not run: an earlier check of this part ran out of time")
    else:
        try:
            result = check.run(context)
            outcome, shapes = result if isinstance(result, tuple) else (result, "")
        except StudentRunFailed as exc:
            outcome = Outcome(False, str(exc))
            if "limit" in str(exc):
                timed_out_parts.add(part.id)
        except Exception as exc:  # a grader fault must still leave a row
            outcome = Outcome(False, "the grader could not finish this check (%s: %s); "
                              "tell your instructor" % (type(exc).__name__, exc))
            faults.append(traceback.format_exc())
    return Row(part.id, check.title, outcome, time.monotonic() - started, shapes, check.key)


def run_checks(assignment, proxy, select=None):
    """Run every selected check of the assignment against the proxy's student."""
    chosen = matcher(select)
    context = CheckContext(assignment, proxy, assignment.reference())
    import_failure = probe_import(assignment, proxy)
    rows, timed_out, faults = [], set(), []
    for part, check in assignment.checks():
        if chosen(check_id(part, check)):
            rows.append(run_one(context, part, check, timed_out, import_failure, faults))
    return RunResult(complete_rows(assignment, rows, import_failure, fill_missing=select is None),
                     context.curves, import_failure, faults)


def complete_rows(assignment, rows, import_failure=None, fill_missing=True):
    """Order the rows as the rubric does; a declared check without a row fails."""
    by_key = {(row.part, row.key): row for row in rows}
    ordered = []
    for part, check in assignment.checks():
        row = by_key.get((part.id, check.key))
        if row is None and fill_missing:
            reason = import_failure or "this check did not run (the grader stopped early)"
            row = Row(part.id, check.title, Outcome(False, reason), key=check.key)
        if row is not None:
            ordered.append(row)
    return ordered


def unreadable_rows(assignment, reason):
    """One failed row per check, all for the same reason (the submission could not be read)."""
    return [Row(part.id, check.title, Outcome(False, reason), key=check.key)
            for part, check in assignment.checks()]

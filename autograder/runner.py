"""Runs an assignment's hidden checks, in this trusted process, against one
sandboxed submission: one Row per check, whatever happens.

The checks are the assignment's registry (assignment.Check objects); each
body talks to the student only through the proxy it is handed. A student-side
failure or a fault of the grader becomes a failed row with a reason: nothing
escapes, so every selected check always has a row.
"""
import threading
import time
import traceback
from dataclasses import dataclass, field

from .assignment import upstream_closure
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
    reused: bool = False         # taken from an earlier grading of the same submission (regrade.py)


@dataclass
class CheckContext:
    """What a check body gets: the student (through the proxy), the reference,
    where to put curves, and the rows of the checks that ran before it."""
    assignment: object
    proxy: object
    reference: object
    curves: dict = field(default_factory=dict)   # name -> dict(history, final_loss, threshold)
    rows: list = field(default_factory=list)
    memo: dict = field(default_factory=dict)     # what checks leave for later checks (trusted side only)
    part: str = ""                               # the part whose check is running in this lane
    sources: dict = field(default_factory=dict)  # graded file key -> the student's source text (read, never run)
    quick_done: threading.Event = field(default_factory=threading.Event)   # every check but the long ones ran

    def add_curve(self, name, **curve):
        """A curve for the report (e.g. history, final_loss, threshold), shown in rubric order."""
        self.curves[name] = dict(curve, part=self.part)

    def part_failed(self, part_id):
        """Whether a check of part_id that ran before this one failed."""
        return any(row.part == part_id and not row.outcome.passed for row in self.rows)

    def upstream_failed(self, part_id):
        """Whether a part this one depends on (directly or through others) failed a check before."""
        return any(self.part_failed(dep) for dep in upstream_closure(part_id, self.assignment.parts))

    def wait_for_quick_checks(self, timeout=None):
        """Wait until every selected check that is not long has its row (a long check in its
        own lane may need their verdicts); returns whether they all ran."""
        return self.quick_done.wait(timeout)


@dataclass
class RunResult:
    rows: list
    curves: dict
    import_failures: dict = field(default_factory=dict)
    grader_faults: list = field(default_factory=list)


def check_id(part, check):
    return "%s::%s" % (part.id, check.key)


def probe_imports(assignment, proxy):
    """One quick run per graded file that only imports it, so an import-time
    hang or crash costs one budget instead of one per check, and a broken file
    costs only the checks that need it. Returns {graded file key: failure text}."""
    failures = {}
    for key, dotted in assignment.probe_modules.items():
        path = assignment.graded_files[key]
        proxy.title = "import %s" % path
        try:
            answer = proxy.run({}, {"op": "probe", "probe": [dotted]}, PROBE_LIMITS)
            error = answer.errors.get(dotted)
            if error:
                failures[key] = ("your %s could not be imported (%s); only the checks that need it fail"
                                 % (path, import_error_text(error)))
        except StudentRunFailed as exc:
            failures[key] = "importing your %s did not finish: %s" % (path, exc)
    return failures


def import_error_text(error):
    """The last line of an import's traceback, and for a syntax error where it is."""
    lines = [line for line in error.strip().splitlines() if line.strip()]
    where = next((line.strip() for line in reversed(lines) if line.strip().startswith('File "')), "")
    last = lines[-1].strip()[:500] if lines else "no message"
    if last.startswith(("SyntaxError", "IndentationError", "TabError")) and where:
        return "%s, %s" % (last, where.split(", ", 1)[-1] if ", line" in where else where)
    return last


def import_failure_for(check, assignment, failures):
    """Why this check did not run when a graded file it needs could not be imported, or None.
    Short: the import error itself is said once, at the top of the report."""
    needs = assignment.graded_files if check.needs is None else check.needs
    key = next((key for key in needs if key in failures), None)
    if key is None:
        return None
    return "not run: your %s could not be imported (the error is at the top of this report)" \
        % assignment.graded_files[key]


def run_one(context, part, check, timed_out_parts, import_failures, faults):
    """Run one check; returns its Row."""
    started = time.monotonic()
    context.part = part.id
    context.proxy.title = "%s: %s" % (part.id, check.title)
    shapes = ""
    import_failure = import_failure_for(check, context.assignment, import_failures or {})
    if import_failure:
        outcome = Outcome(False, import_failure, hint="import_error")
    elif part.id in timed_out_parts:
        outcome = Outcome(False, "not run: an earlier check of this part ran out of time")
    else:
        try:
            result = check.run(context)
            outcome, shapes = result if isinstance(result, tuple) else (result, "")
        except StudentRunFailed as exc:
            outcome = Outcome(False, str(exc))
            if exc.timed_out:
                timed_out_parts.add(part.id)
        except Exception as exc:  # a grader fault must still leave a row
            outcome = Outcome(False, "the grader could not finish this check (%s: %s); "
                              "tell your instructor" % (type(exc).__name__, exc))
            faults.append(traceback.format_exc())
    row = Row(part.id, check.title, outcome, time.monotonic() - started, shapes, check.key)
    context.rows.append(row)
    return row


def run_checks(assignment, proxies, select=None, on_row=None, sources=None, earlier=None):
    """Run every selected check of the assignment against the student behind the proxies.

    With two proxies (two sandboxes), the long checks (training) run in the
    second lane while the others run in the first, in rubric order (a check may
    read the rows of the parts before it). on_row(rows so far) follows each row.
    sources: {graded file key: the student's text}, for checks that read code.
    earlier: a regrade.Earlier (an earlier grading of the same submission): its
    row of an unchanged check is taken as it is, in the check's place, unless a
    check of the same part or of a part it depends on has just been run again and
    ended otherwise than before (a check may read those verdicts)."""
    proxies = proxies if isinstance(proxies, (list, tuple)) else [proxies]
    chosen = matcher(select)
    reference = assignment.reference()
    first = CheckContext(assignment, proxies[0], reference, sources=dict(sources or {}))
    contexts = [first] + [CheckContext(assignment, proxy, reference, first.curves, first.rows, first.memo,
                                       sources=first.sources, quick_done=first.quick_done)
                          for proxy in proxies[1:]]
    import_failures = probe_imports(assignment, proxies[0])
    timed_out, faults, lock = set(), [], threading.Lock()
    verdict_changed = set()      # parts with a check run again whose verdict differs from the earlier one
    selected = [(part, check) for part, check in assignment.checks() if chosen(check_id(part, check))]
    quick = [pc for pc in selected if not pc[1].long]
    long_checks = [pc for pc in selected if pc[1].long]
    if len(contexts) == 1:     # the long checks last: a budget that runs out costs only them
        ordered, shared = quick + long_checks, []
    else:   # the long checks are shared in rubric order: the second lane starts the first at once,
        ordered, shared = quick, long_checks    # the first lane takes the next after its quick checks

    def run_lane(context, own):
        queue = list(own)
        while True:
            if queue:
                part, check = queue.pop(0)
                if check.long and context is first:     # one lane: the long checks come last
                    first.quick_done.set()
            else:
                if context is first:
                    first.quick_done.set()
                with lock:
                    if not shared:
                        return
                    part, check = shared.pop(0)
            previous = earlier.row_for(part, check) if earlier is not None else None
            if previous is not None and check.long and context is not first:
                context.wait_for_quick_checks()          # the verdicts it may be kept on come first
            if previous is not None and not ({part.id, *upstream_closure(part.id, assignment.parts)}
                                             & verdict_changed):
                context.rows.append(previous)
                first.curves.update(earlier.curves_of(part.id))
            else:
                row = run_one(context, part, check, timed_out, import_failures, faults)
                if earlier is not None and earlier.verdict_changed(row):
                    with lock:
                        verdict_changed.add(part.id)
            if on_row is not None:
                with lock:
                    on_row(list(first.rows))

    workers = [threading.Thread(target=run_lane, args=(context, []), daemon=True) for context in contexts[1:]]
    for worker in workers:
        worker.start()
    try:
        run_lane(first, ordered)
    finally:
        first.quick_done.set()
    for worker in workers:
        worker.join()
    return RunResult(complete_rows(assignment, list(first.rows), import_failures, fill_missing=select is None),
                     in_rubric_order(assignment, first.curves), import_failures, faults)


def in_rubric_order(assignment, curves):
    """The curves in the order of the parts that drew them (lanes finish in any order)."""
    position = {part_id: index for index, part_id in enumerate(assignment.parts)}
    return dict(sorted(curves.items(), key=lambda item: position.get(item[1].get("part"), len(position))))


def complete_rows(assignment, rows, import_failures=None, fill_missing=True):
    """Order the rows as the rubric does; a declared check without a row fails."""
    by_key = {(row.part, row.key): row for row in rows}
    ordered = []
    for part, check in assignment.checks():
        row = by_key.get((part.id, check.key))
        if row is None and fill_missing:
            reason = (import_failure_for(check, assignment, import_failures or {})
                      or "this check did not run (the grader stopped early)")
            row = Row(part.id, check.title, Outcome(False, reason), key=check.key)
        if row is not None:
            ordered.append(row)
    return ordered


def unreadable_rows(assignment, reason):
    """One failed row per check, all for the same reason (the submission could not be read)."""
    return [Row(part.id, check.title, Outcome(False, reason), key=check.key)
            for part, check in assignment.checks()]

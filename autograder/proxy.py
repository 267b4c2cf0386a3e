"""The checks' line to the student: one request becomes one sandboxed child run
and comes back as validated numeric arrays.

A run that fails as a whole (timeout, crash, import error, garbled reply)
raises StudentRunFailed with a reason a student can act on; a single case that
raised comes back as that case's error text. What a request means is the
assignment's business (its client builds requests, its child operations
answer them); this module only carries them.
"""
from dataclasses import dataclass, field

from .sandbox import Limits, out_of_memory_in


@dataclass
class Answer:
    """A child's reply: arrays, per-case error texts, per-case first warning in the student's files."""
    arrays: dict
    errors: dict = field(default_factory=dict)
    warnings: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)


class StudentRunFailed(Exception):
    """The child produced no usable reply; str() is the reason for the report.
    stuck_in: the student's function a run that did not finish was in."""

    def __init__(self, message, stuck_in=None, timed_out=False):
        super().__init__(message)
        self.stuck_in, self.timed_out = stuck_in, timed_out


def describe_error(text):
    """A short first line for a traceback text (the full text goes to the report's log)."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "unknown error"
    if "NotImplementedError" in last:
        return "not implemented yet (it raises NotImplementedError)"
    return "raised %s" % last[:300]


class StudentProxy:
    def __init__(self, sandbox, log, package, hung=None):
        self.sandbox = sandbox
        self.log = log            # list of (title, ChildRun), shown in the report
        self.package = package    # the student package's name
        # {function: why it is not called again}: it did not finish ("stuck"), or ran out
        # of memory ("memory"), in an earlier run; shared by the lanes of one grading.
        self.hung = hung if hung is not None else {}
        self.title = None

    def run(self, arrays, meta, limits=None, oracle=None):
        """Send one request; returns an Answer. oracle answers the functions meta["replace"]
        puts aside (sandbox.Sandbox.call)."""
        meta = dict(meta, package=self.package, hung=dict(sorted(self.hung.items())))
        run = self.sandbox.call(arrays, meta, limits or Limits(), oracle=oracle)
        self.log.append((self.title, run))
        if run.status == "budget":
            raise StudentRunFailed(run.detail, timed_out=True)
        if not run.ok:
            if run.stuck_in:
                self.hung[run.stuck_in] = "stuck"
            raise StudentRunFailed("your code did not finish: %s" % run.detail, run.stuck_in,
                                   timed_out=run.status in ("timeout", "idle", "cpu_limit"))
        fatal = run.meta.get("fatal")
        if fatal:
            raise StudentRunFailed(str(fatal)[:2000])
        errors, warnings, notes = run.meta.get("errors"), run.meta.get("warnings") or {}, run.meta.get("notes") or {}
        if not all(isinstance(table, dict) for table in (errors, warnings, notes)):
            raise StudentRunFailed("the reply was garbled (no error table)")
        for text in errors.values():
            function = out_of_memory_in(str(text))
            if function:
                self.hung.setdefault(function, "memory")
        return Answer(run.arrays, {str(k): str(v)[:4000] for k, v in errors.items()},
                      {str(k): str(v)[:400] for k, v in warnings.items()},
                      {str(k): str(v)[:400] for k, v in notes.items()})

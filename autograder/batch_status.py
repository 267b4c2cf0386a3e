"""What a batch records per submission (DIR/<student>/status.json) and how a grading's end
maps to a status; shared by the local batch (batch.py) and the Dask runner (cluster.py)."""
import json
import os
import re
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .grade import EXIT_GRADED, EXIT_UNREADABLE

GRADED, UNREADABLE, GRADER_ERROR = "graded", "unreadable", "grader error"
# Graded, but a graded file failed to import (a syntax error, a missing module): its score
# stands, and the instructor sees why it is low.
NOT_IMPORTABLE = "could not be imported"
NOT_GRADED = "not graded"            # in flight when the cluster went away (no status.json)
WITH_RESULTS = (GRADED, NOT_IMPORTABLE)          # statuses with a score
FINAL = (GRADED, NOT_IMPORTABLE, UNREADABLE)     # statuses a re-run keeps; a grader error is tried again
STATUS_FILE = "status.json"
REPORT_FILES = ("results.json", "report.md", "report.html", "checks.json")   # checks.json: regrade.RECORD


class BatchCannotRun(Exception):
    """The batch as a whole cannot run (missing or empty folder, cluster unreachable): one line."""


class BatchStopped(Exception):
    """A stop signal (SIGINT, SIGTERM) arrived while the batch was grading."""

    def __init__(self, signum):
        words = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}
        super().__init__("stopped by %s" % words.get(signum, "signal %d" % signum))
        self.signum = signum


@dataclass
class Status:
    status: str
    reason: str = ""
    submission_hash: str = ""
    kit_version: str = ""
    options: dict = field(default_factory=dict)
    seconds: float = 0.0
    where: str = "local"

    @property
    def graded(self):
        """Whether the submission has a score (results.json)."""
        return self.status in WITH_RESULTS


def read_status(out_dir):
    try:
        data = json.loads((Path(out_dir) / STATUS_FILE).read_text())
        return Status(**data)
    except (OSError, ValueError, TypeError):
        return None


def write_status(out_dir, status):
    """status.json, written whole (a reader never sees half of it)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    temporary = out_dir / (".%s.%d" % (STATUS_FILE, os.getpid()))
    temporary.write_text(json.dumps(asdict(status), indent=1))
    os.replace(temporary, out_dir / STATUS_FILE)


def is_up_to_date(out_dir, key):
    """Was this submission graded (or found unreadable) with this cache key?"""
    status = read_status(out_dir)
    return (status is not None and status.status in FINAL
            and (status.submission_hash, status.kit_version, status.options) == key
            and (Path(out_dir) / "results.json").is_file())


def forget(out_dir):
    """Before a grading: its old status no longer holds."""
    try:
        (Path(out_dir) / STATUS_FILE).unlink()
    except FileNotFoundError:
        pass


UNREADABLE_LINE = re.compile(r": could not be read: (.*) \(reports in .*\)$")


def status_from_run(returncode, stderr, results):
    """(status, reason) from how `python -m autograder grade` ended; results: its results.json
    (a dict), or None when it wrote none."""
    lines = [line for line in (stderr or "").strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    if returncode == EXIT_GRADED and results is not None:
        failures = (results.get("extra_data") or {}).get("import_failures") or {}
        if failures:
            return NOT_IMPORTABLE, "; ".join(failures.values())
        return GRADED, ""
    if returncode == EXIT_UNREADABLE and results is not None:
        match = UNREADABLE_LINE.search(last)
        return UNREADABLE, match.group(1) if match else last
    if returncode == EXIT_GRADED:
        return GRADER_ERROR, "the grader wrote no results.json"
    return GRADER_ERROR, last or "the grader exited with status %s" % returncode

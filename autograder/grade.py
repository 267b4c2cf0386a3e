"""The grading pipeline for one submission: read it, run the checks in the
sandbox, score, write the reports. Every command that grades goes through
`grade_submission` (in this process) or `grade_in_subprocess` (a fresh one).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from uploads.wording import counted

from . import assignment as assignments
from . import regrade, report, runner, scoring, submission, versions
from .fingerprints import check_fingerprints
from .isolation import IsolationUnavailable, detect_isolation
from .paths import KIT_ROOT
from .proxy import StudentProxy
from .sandbox import Budget, Sandbox


class GraderCannotRun(Exception):
    """A problem of the grader's installation, not of the submission."""


# Exit status of `python -m autograder grade` (cli.py): the batch reads it.
EXIT_GRADED = 0
EXIT_CANNOT_RUN = 2        # the grader's installation, or bad command-line arguments
EXIT_UNREADABLE = 3        # the submission could not be read: reports written, every check failed with the reason
EXIT_STOPPED = 130         # SIGINT or SIGTERM: stopped before the end (sandboxes closed; no grade)


def load_assignment(folder=None):
    """The assignment, after checking that everything grading needs is in place."""
    try:
        task = assignments.load(folder)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise GraderCannotRun("the assignment cannot be loaded: %s: %s" % (type(exc).__name__, exc))
    for relative in task.graded_files.values():
        if not (task.reference_package_dir / relative).is_file():
            raise GraderCannotRun("the reference package in %s is missing" % task.folder)
    missing = [name for name in task.grading.DATA_FILES if not (task.data_dir / name).is_file()]
    if missing:
        raise GraderCannotRun("the dataset %s is missing (run `make data`): no %s"
                              % (task.data_dir, ", ".join(missing)))
    return task


def _logs(proxy_log):
    logs = []
    for title, run in proxy_log:
        errors = run.meta.get("errors") if isinstance(run.meta.get("errors"), dict) else {}
        tracebacks = "\n".join(str(text) for text in errors.values())
        if run.meta.get("fatal"):
            tracebacks += "\n" + str(run.meta["fatal"])
        stderr = run.stderr + ("\n" + tracebacks if tracebacks.strip() else "")
        logs.append((title or "run", run.stdout, stderr.strip(), run.status, run.wall_seconds))
    return logs


def lanes_for_this_machine():
    """Two sandboxes (training beside the other checks) when a second core is free."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def budget_seconds(task):
    """The CPU seconds one grading gives the student's code, all runs together
    (sandbox.Budget): rubric.json's "time_budget_seconds" (shown to students by
    the self-check), else 180 s; AUTOGRADER_BUDGET_SECONDS overrides both."""
    return float(os.environ.get("AUTOGRADER_BUDGET_SECONDS", task.settings.get("time_budget_seconds", 180)))


def grade_submission(submission_path, out_dir, isolation=None, select=None, assignment=None, lanes=None,
                     on_row=None):
    """Grade one submission and write its reports; returns the report.Grade.
    on_row(scored rows so far, part summaries) follows every check (partial results)."""
    return grade_with_status(submission_path, out_dir, isolation, select, assignment, lanes, on_row)[0]


def grade_with_status(submission_path, out_dir, isolation=None, select=None, assignment=None, lanes=None,
                      on_row=None, label=None, earlier=None):
    """grade_submission's work; returns (report.Grade, why the submission could not be
    read, or None when it was read and graded). label: the submission's name in the reports
    (default: its path). earlier: an earlier grading's checks.json; when it graded the same
    files, its rows of the checks that did not change are reused (regrade.py)."""
    task = assignment or load_assignment()
    fingerprints = check_fingerprints(task)
    kit = versions.kit_version(task)
    started = time.monotonic()
    try:
        isolation = isolation or detect_isolation()
    except IsolationUnavailable as exc:
        raise GraderCannotRun(str(exc)) from None
    workdir = Path(tempfile.mkdtemp(prefix="autograder-"))
    notes, log, curves, import_failures, reusable = [], [], {}, {}, None
    try:
        try:
            prepared = submission.prepare(submission_path, workdir, task)
            notes += prepared.notes
            if prepared.release_version and prepared.release_version != task.release_version:
                notes.append("your notebooks come from release %s of the assignment, and the current release is "
                             "%s: your code was graded with the current checks (`python selfcheck.py` with the "
                             "newest release.json says which files changed)"
                             % (prepared.release_version, task.release_version))
            notes.append("provided modules replaced by the kit's copies: " + ", ".join(prepared.replaced))
        except submission.SubmissionError as exc:
            prepared, unreadable = None, str(exc)
            notes.append("the submission could not be read: %s" % exc)
        else:
            unreadable = None
            graded_digest = versions.prepared_digest(prepared)
        if prepared is None:
            rows = runner.unreadable_rows(task, "the submission could not be read: %s" % unreadable)
        else:
            sandboxes = [Sandbox(prepared.scratch_dir, task.child_ops, isolation=isolation)
                         for _ in range(lanes or lanes_for_this_machine())]
            hung, budget = {}, Budget(budget_seconds(task), started)
            for sandbox in sandboxes:
                sandbox.budget = budget
            follow = None if on_row is None else (lambda rows_so_far: on_row(*scoring.score(
                runner.complete_rows(task, rows_so_far, fill_missing=False), task.parts)))
            try:
                proxies = [StudentProxy(sandbox, log, task.package, hung) for sandbox in sandboxes]
                reusable = earlier and regrade.read_earlier(earlier, fingerprints, graded_digest, select)
                result = runner.run_checks(task, proxies, select=select, on_row=follow,
                                           sources=submission.graded_sources(prepared, task), earlier=reusable or None)
                rows, curves = result.rows, result.curves
                import_failures = {task.graded_files[key]: text for key, text in result.import_failures.items()}
                notes[:0] = list(import_failures.values())        # said once, first
                if result.grader_faults:
                    notes.append("the grader hit an internal error in %s; tell your instructor"
                                 % counted(len(result.grader_faults), "check"))
                notes.append("your code used %.1f of the %.0f CPU seconds one grading gives it"
                             % (budget.spent, budget.cpu_seconds))
                reused = sum(1 for row in rows if row.reused)
                if reused:
                    notes.append("graded before with the same files: %s unchanged since kept %s result, "
                                 "%s ran again" % (counted(reused, "check"), "its" if reused == 1 else "their",
                                                   counted(len(rows) - reused, "check")))
            finally:
                for sandbox in sandboxes:
                    sandbox.close()
        scored, summaries = scoring.score(rows, task.parts)
        grade = report.Grade(label or str(submission_path), isolation, scored, summaries,
                             time.monotonic() - started, notes, _logs(log), curves,
                             metric_help=getattr(task.grading, "METRIC_HELP", {}), import_failures=import_failures,
                             curve_wording=getattr(task.grading, "CURVE_WORDING", {}),
                             fingerprints=fingerprints, curves_png=reusable.figure_for(report.curves_digest(
                                 curves, getattr(task.grading, "CURVE_WORDING", {}))) if reusable else None,
                             versions={
                                 "kit": kit, "release": task.release_version,
                                 "submitted_release": prepared.release_version if prepared else ""})
        report.write_all(grade, Path(out_dir))
        if prepared is not None:
            figure = (report.curves_digest(curves, grade.curve_wording), report.curves_figure(grade))
            regrade.write_record(out_dir, rows, curves, fingerprints, graded_digest, select, kit, figure)
        return grade, unreadable
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def grade_command(submission_path, out_dir, select=None, isolation=None, lanes=None, label=None, assignment=None,
                  earlier=None):
    """The command line that grades one submission in a fresh interpreter (assignment: its
    --assignment; without it, the grader's default, AUTOGRADER_ASSIGNMENT included)."""
    command = [sys.executable, "-m", "autograder", "grade", str(submission_path), "--out", str(out_dir)]
    if assignment:
        command += ["--assignment", str(assignment)]
    if label:
        command += ["--label", label]
    if select:
        command += ["-k", select]
    if isolation:
        command += ["--isolation", isolation]
    if lanes:
        command += ["--lanes", str(lanes)]
    if earlier:
        command += ["--earlier", str(earlier)]
    return command


class GradingStopped(Exception):
    """A grading asked to start after its GraderProcesses were stopped."""


def _signal_group(proc, signum):
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


class GraderProcesses:
    """The `grade` processes a batch has running, each in a session of its own (a Ctrl-C
    reaches only the batch), so that stop() ends them all at once."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running = set()
        self.stopped = False

    def run(self, command, **kwargs):
        """subprocess.run(command, capture_output=True, text=True, **kwargs), unless stopped."""
        with self._lock:
            if self.stopped:
                raise GradingStopped()
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    start_new_session=True, **kwargs)
            self._running.add(proc)
        try:
            stdout, stderr = proc.communicate()
        finally:
            with self._lock:
                self._running.discard(proc)
        return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)

    def stop(self, grace_seconds=3.0):
        """End every grading in flight: SIGTERM first (the grader closes its sandboxes), SIGKILL
        to the process groups still there after grace_seconds; no new one starts."""
        with self._lock:
            self.stopped = True
            running = list(self._running)
        for proc in running:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while any(proc.poll() is None for proc in running) and time.monotonic() < deadline:
            time.sleep(0.05)
        for proc in running:
            if proc.poll() is None:
                _signal_group(proc, signal.SIGKILL)


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def grader_environment(env=None):
    """The environment of a grader process: one BLAS thread unless set otherwise (as
    `python -m autograder` sets it), for the gradings of a batch run side by side."""
    env = dict(os.environ if env is None else env)
    for name in BLAS_THREADS:
        env.setdefault(name, "1")
    return env


def grade_in_subprocess(submission_path, out_dir, select=None, isolation=None, env=None, timeout=None, lanes=None,
                        processes=None, earlier=None):
    """Grade in a fresh interpreter (as a user would); returns (CompletedProcess, results dict or None).
    Paths are taken from the caller's folder (the grader runs in the kit's); the reports name
    the submission as the caller did. processes: a GraderProcesses that can stop it."""
    label = str(submission_path)
    submission_path, out_dir = Path(submission_path).resolve(), Path(out_dir).resolve()
    command = grade_command(submission_path, out_dir, select, isolation, lanes, label,
                            earlier=Path(earlier).resolve() if earlier else None)
    env = grader_environment(env)
    if processes is not None:
        proc = processes.run(command, cwd=KIT_ROOT, env=env)
    else:
        proc = subprocess.run(command, cwd=KIT_ROOT, capture_output=True, text=True, env=env, timeout=timeout)
    results_path = Path(out_dir) / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else None
    return proc, results


def environment_with_seed(seed):
    """os.environ with the hidden inputs' seed set (calibration runs)."""
    return dict(os.environ, AUTOGRADER_HIDDEN_SEED=str(seed))

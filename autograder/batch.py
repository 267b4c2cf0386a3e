"""`python -m autograder grade-batch FOLDER --out DIR [--jobs N] [--scheduler tcp://HOST:PORT]`

Grades every submission in FOLDER (sub-folders, e.g. nbgrader's
submitted/<student>/, or .zip files; other files are listed and skipped,
uploads.batch_folder) with one grader process each
(`python -m autograder grade`, its own sandbox), N at a time, into
DIR/<student>/; with --scheduler, on the workers of a Dask distributed
cluster instead (cluster.py). Every submission ends with a status
(DIR/<student>/status.json): graded, unreadable (the grader could not read
it: exit status 3 of `grade`) or grader error (anything else). Writes
DIR/grades.csv, DIR/lms_grades.csv, DIR/summary.md and DIR/summary.html
(class_summary.py).

Resumable: a submission is not graded again when its status.json names the
same content (versions.submission_hash), the same kit (versions.kit_version)
and the same options, with a final status (graded or unreadable). When only
the kit changed (a fix to the checks), the submission is regraded: only the
checks whose fingerprints changed run again (regrade.py), every changed
score is appended to DIR/regrade.csv, and a lower score is applied only with
--allow-lower (without it, the earlier reports stand). A status
file is written only after its grading finished. Ctrl-C (SIGINT) or SIGTERM
stops the run within seconds: the gradings in flight are ended (their
sandboxes closed), nothing queued starts, grades.csv and the summary are
written for what finished with the rest "not graded", and the exit status is
128 + the signal's number; a re-run grades only the rest.
"""
import json
import shutil
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from uploads.batch_folder import find_submissions
from uploads.wording import counted

from . import regrade, versions
from .paths import KIT_ROOT
from .batch_status import (GRADED, GRADER_ERROR, NOT_GRADED, REPORT_FILES, BatchCannotRun, BatchStopped, Status,
                           forget, is_up_to_date, read_status, status_from_run, write_status)
from .grade import GraderProcesses, GradingStopped, grade_in_subprocess, load_assignment

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """While in use (main thread only), the first SIGINT or SIGTERM raises BatchStopped
    if the batch is grading; later ones, and any after the grading, are noted and
    ignored, so that grades.csv and the summary are always written whole."""

    def __init__(self):
        self.signum, self.grading, self._previous = None, False, {}

    def _handle(self, signum, frame):
        if self.signum is None:
            self.signum = signum
            if self.grading:
                raise BatchStopped(signum)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self._handle) for signum in STOP_SIGNALS}
        return self

    def __exit__(self, *exc):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        return False

@dataclass
class BatchOutcome:
    out: Path
    statuses: dict                      # student -> Status, every submission found
    results: dict                       # student -> results.json (graded ones)
    graded_now: int = 0
    up_to_date: int = 0
    interrupted: str = ""               # why the run stopped early (a stop signal, the cluster went away)
    similarity: object = None           # similarity.run.Result, with --similarity
    regraded: int = 0                   # submissions graded again after a change to the checks
    changes: list = field(default_factory=list)   # regrade.Change of every score that changed
    stop_signal: int = None             # the signal that stopped the grading
    skipped: list = field(default_factory=list)   # [(entry, why)]: batch-folder entries that are not submissions

    @property
    def not_graded(self):
        return {name: s for name, s in self.statuses.items() if not s.graded}

    @property
    def exit_code(self):
        if self.stop_signal:
            return 128 + self.stop_signal
        if self.interrupted:
            return 2
        return 1 if self.not_graded else 0


# ------------------------------------------------------------ submissions
def check_folder(folder, out):
    """({student: path}, [(entry, why skipped)]), or BatchCannotRun with a one-line reason."""
    folder = Path(folder)
    if not folder.exists():
        raise BatchCannotRun("%s does not exist" % folder)
    if not folder.is_dir():
        raise BatchCannotRun("%s is not a folder (give the folder that holds one sub-folder or .zip "
                             "per student)" % folder)
    submissions, skipped = find_submissions(folder, exclude=[out])
    if not submissions:
        raise BatchCannotRun("%s holds no submissions (expected one sub-folder or .zip per student%s)"
                             % (folder, "; skipped: " + ", ".join(name for name, _ in skipped) if skipped else ""))
    return submissions, skipped


# ---------------------------------------------------------------- grading
def grade_one(submission, out_dir, select=None, isolation=None, processes=None, earlier=None):
    """Grade one submission in a fresh grader process; returns (status, reason, seconds), or
    None when processes (a GraderProcesses) was stopped before or during the grading.
    earlier: an earlier grading's checks.json to reuse the unchanged checks of."""
    started = time.monotonic()
    for name in REPORT_FILES:
        try:
            (Path(out_dir) / name).unlink()
        except FileNotFoundError:
            pass
    try:
        # One sandbox lane per grading: the batch keeps the cores busy with several gradings.
        proc, results = grade_in_subprocess(submission, out_dir, select=select, isolation=isolation, lanes=1,
                                            processes=processes, earlier=earlier)
    except GradingStopped:
        return None
    except OSError as exc:
        return GRADER_ERROR, "the grader could not start: %s" % exc, time.monotonic() - started
    if processes is not None and processes.stopped:
        return None
    status, reason = status_from_run(proc.returncode, proc.stderr, results)
    return status, reason, time.monotonic() - started


def _progress(total, progress):
    from tqdm import tqdm
    return tqdm(total=total, unit="submission", desc="grading", disable=not progress,
                dynamic_ncols=True, mininterval=0.5,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                           "[{elapsed} elapsed, ETA {remaining}, {rate_fmt}]{postfix}")


def _record(out, name, key, outcome, where, counts, bar):
    status, reason, seconds = outcome
    write_status(out / name, Status(status, reason, key[0], key[1], key[2], round(seconds, 2), where))
    counts[status] = counts.get(status, 0) + 1
    bar.set_postfix_str(", ".join("%s %d" % item for item in sorted(counts.items())), refresh=False)
    bar.update(1)


def grade_locally(todo, out, jobs, select, isolation, bar, earlier=None):
    """Grade todo ({student: (path, cache key)}), jobs at a time, recording each as it ends.
    earlier: {student: an earlier grading's checks.json}. On BatchStopped, ends the
    gradings in flight, starts no other, and raises it again."""
    earlier = earlier or {}
    counts, processes = {}, GraderProcesses()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {}
        for name, (path, key) in todo.items():
            forget(out / name)
            futures[pool.submit(grade_one, path, out / name, select, isolation, processes, earlier.get(name))] = name
        for future in as_completed(futures):
            name = futures[future]
            outcome = future.result()
            if outcome is not None:
                _record(out, name, todo[name][1], outcome, "local", counts, bar)
    except BatchStopped:
        processes.stop()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _portable_name(task):
    """The assignment as a worker with its own kit finds it: its id when it is under source/."""
    source = KIT_ROOT / "source"
    return task.folder.name if task.folder.parent == source.resolve() else str(task.folder)


def grade_batch(folder, out, jobs=2, select=None, isolation=None, scheduler=None, similarity=False,
                reference=None, progress=True, allow_lower=False):
    """Grade every submission of folder into out; returns a BatchOutcome.
    allow_lower: apply the scores a regrade lowers (without it the earlier ones stand).

    Raises BatchCannotRun (one line) when folder is missing or holds no
    submission, and grade.GraderCannotRun when the grader is not installed."""
    folder, out = Path(folder), Path(out)
    submissions, skipped = check_folder(folder, out)
    task = load_assignment()
    out.mkdir(parents=True, exist_ok=True)
    kit, options = versions.kit_version(task), versions.grading_options(select, isolation)
    todo, statuses, regrades = {}, {}, {}
    from tqdm import tqdm
    for name, path in tqdm(submissions.items(), desc="what changed", unit="submission", leave=False,
                           disable=not progress or len(submissions) < 50):
        key = (versions.submission_hash(path, task), kit, options)
        if is_up_to_date(out / name, key):
            statuses[name] = read_status(out / name)
        else:
            todo[name] = (path, key)
            earlier = read_status(out / name)
            if (earlier is not None and earlier.graded and (earlier.submission_hash, earlier.options) == (key[0], key[2])
                    and (out / name / "results.json").is_file()):
                regrades[name] = earlier            # the same files, graded before by another kit
    records = {}
    for name in regrades:
        record = regrade.set_aside(out / name) / regrade.RECORD
        records[name] = record if record.is_file() else None
    interrupted, client, stop_signal = "", None, None
    if scheduler and todo:
        from .cluster import ClusterGone, connect, grade_on_cluster
        client = connect(scheduler)
    bar = _progress(len(todo), progress)
    with StopSignals() as signals:
        signals.grading = True
        try:
            if client is not None:
                try:
                    grade_on_cluster(client, scheduler, todo, out, jobs, select, isolation, kit,
                                     lambda name, outcome, where, counts: _record(
                                         out, name, todo[name][1], outcome, where, counts, bar),
                                     assignment=_portable_name(task), earlier=records)
                except ClusterGone as exc:
                    interrupted = str(exc)
            else:
                grade_locally(todo, out, jobs, select, isolation, bar, records)
        except BatchStopped as exc:
            interrupted, stop_signal = str(exc), exc.signum
        finally:
            signals.grading = False
            bar.close()
        changes, regrade_notes = settle_regrades(out, regrades, kit, allow_lower)
        outcome = _finish(folder, out, task, submissions, statuses, todo, interrupted, stop_signal,
                          similarity, reference, progress, skipped, (len(regrades), changes))
    _print_regrades(out, outcome, regrade_notes)
    return outcome


def settle_regrades(out, regrades, kit, allow_lower):
    """After the grading, for every regraded submission: compare its new score with the earlier
    one and append the changes to the ledger. A lower score without allow_lower, a grading that
    failed and one the run did not reach put the earlier reports and status back. Returns
    ([regrade.Change], [console lines])."""
    changes, notes = [], []
    for name, earlier_status in sorted(regrades.items()):
        earlier_dir, status = out / name / regrade.EARLIER, read_status(out / name)
        if status is None or not status.graded:
            regrade.put_back(out / name, earlier_dir)
            write_status(out / name, earlier_status)
            if status is not None:
                notes.append("%s: the regrade failed (%s: %s); the earlier grade stands"
                             % (name, status.status, status.reason))
            continue
        change = regrade.compare(name, earlier_dir, out / name, allow_lower, earlier_status.kit_version, kit)
        if change is None:
            shutil.rmtree(earlier_dir, ignore_errors=True)
            continue
        changes.append(change)
        if not change.applied:        # graded again next time, and applied with --allow-lower
            regrade.put_back(out / name, earlier_dir)
            write_status(out / name, earlier_status)
    regrade.append_ledger(out, changes)
    return changes, notes


def _print_regrades(out, outcome, notes):
    if not outcome.regraded:
        return
    kept = [c for c in outcome.changes if not c.applied]
    print("regraded %s after a change to the checks: %s changed%s"
          % (counted(outcome.regraded, "submission"), counted(len(outcome.changes), "score"),
             "; ledger in %s" % (out / regrade.LEDGER) if outcome.changes else ""))
    for change in outcome.changes:
        print("  %s: %g -> %g%s" % (change.student, change.old, change.new,
                                    "" if change.applied else " (not applied: lower)"))
    if kept:
        print("  %s lower than before and not applied: run the same command with --allow-lower to apply %s"
              % (counted(len(kept), "score"), "it" if len(kept) == 1 else "them"))
    for note in notes:
        print("  " + note)


def _finish(folder, out, task, submissions, statuses, todo, interrupted, stop_signal, similarity, reference,
            progress, skipped=(), regrades=(0, ())):
    """Every submission's status, the class outputs and the console lines, after the grading."""
    from .class_summary import graded_tally, write_class_outputs
    results = {}
    for name in submissions:
        status = read_status(out / name)
        if status is None:                      # in flight or queued when the run stopped
            status = Status(NOT_GRADED, (interrupted + " before it was graded") if interrupted else "the run stopped")
        statuses[name] = status
        if status.graded:
            results[name] = json.loads((out / name / "results.json").read_text())
    finished_now = sum(1 for name in todo if statuses[name].status != NOT_GRADED)
    outcome = BatchOutcome(out, statuses, results, graded_now=finished_now, up_to_date=len(submissions) - len(todo),
                           interrupted=interrupted, stop_signal=stop_signal, skipped=list(skipped),
                           regraded=regrades[0], changes=list(regrades[1]))
    if similarity and not interrupted:
        from similarity.run import run_similarity
        from similarity.subject import for_assignment
        try:
            outcome.similarity = run_similarity(folder, out / "similarity", reference=reference, progress=progress,
                                                subject=for_assignment(task.folder, KIT_ROOT))
        except FileNotFoundError as exc:        # the grades stand; the copy check could not run
            print("similarity: not run: %s" % exc)
    write_class_outputs(outcome, task)
    print("%s (%d now, %d up to date); grades in %s"
          % (graded_tally(len(submissions), len(results), len(outcome.not_graded)), outcome.graded_now,
             outcome.up_to_date, out / "grades.csv"))
    for name, status in sorted(outcome.not_graded.items()):
        print("  could not grade %s: %s: %s" % (name, status.status, status.reason))
    for name, status in sorted(outcome.statuses.items()):
        if status.graded and status.status != GRADED:
            print("  %s: %s: %s" % (name, status.status, status.reason))
    for name, why in outcome.skipped:
        print("  %s in %s: %s" % (name, folder, why))
    if outcome.similarity is not None:
        print("similarity: %s flagged; report in %s" % (counted(outcome.similarity.n_flagged, "pair"),
                                                        out / "similarity" / "similarity.html"))
        listed = {name for name, _ in outcome.skipped}
        for sub in outcome.similarity.problems:
            if not sub.reference and sub.status != "compared" and sub.name not in listed:
                print("  %s: %s" % (sub.name, sub.status + (": " + "; ".join(sub.notes) if sub.notes else "")))
    if interrupted:
        print("%s; run the same command again to grade the rest" % interrupted)
    return outcome

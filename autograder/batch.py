"""`python -m autograder grade-batch FOLDER --out DIR [--jobs N] [--scheduler tcp://HOST:PORT]`

Grades every submission in FOLDER (sub-folders, e.g. nbgrader's
submitted/<student>/, or .zip files) with one grader process each
(`python -m autograder grade`, its own sandbox), N at a time, into
DIR/<student>/; with --scheduler, on the workers of a Dask distributed
cluster instead (cluster.py). Every submission ends with a status
(DIR/<student>/status.json): graded, unreadable (the grader could not read
it: exit status 3 of `grade`) or grader error (anything else). Writes
DIR/grades.csv, DIR/lms_grades.csv, DIR/summary.md and DIR/summary.html
(class_summary.py).

Resumable: a submission is not graded again when its status.json names the
same content (versions.submission_hash), the same kit (versions.kit_version)
and the same options, with a final status (graded or unreadable). A status
file is written only after its grading finished, so an interrupted run loses
only the submissions in flight.
"""
import json
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from . import versions
from .batch_status import (GRADER_ERROR, NOT_GRADED, REPORT_FILES, BatchCannotRun, Status, forget,
                           is_up_to_date, read_status, status_from_run, write_status)
from .grade import grade_in_subprocess, load_assignment

@dataclass
class BatchOutcome:
    out: Path
    statuses: dict                      # student -> Status, every submission found
    results: dict                       # student -> results.json (graded ones)
    graded_now: int = 0
    up_to_date: int = 0
    interrupted: str = ""               # why the run stopped early (the cluster went away)
    similarity: object = None           # similarity.run.Result, with --similarity

    @property
    def not_graded(self):
        return {name: s for name, s in self.statuses.items() if not s.graded}

    @property
    def exit_code(self):
        if self.interrupted:
            return 2
        return 1 if self.not_graded else 0


# ------------------------------------------------------------ submissions
def find_submissions(folder, exclude=()):
    """{student: path}: every sub-folder and file of folder, except hidden entries, macOS's
    __MACOSX and the folders in exclude (the batch's own output). Zips are named without '.zip'; any
    other file keeps its name (the grader reports it as unreadable, never skips it)."""
    folder = Path(folder)
    excluded = {Path(p).resolve() for p in exclude}
    found = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == "__MACOSX" or path.resolve() in excluded:
            continue
        name = path.stem if path.suffix.lower() == ".zip" and path.is_file() else path.name
        if name in found:                # alice/ and alice.zip: keep both, by their full names
            name = path.name
        found[name] = path
    return found


def check_folder(folder, out):
    """{student: path}, or BatchCannotRun with a one-line reason."""
    folder = Path(folder)
    if not folder.exists():
        raise BatchCannotRun("%s does not exist" % folder)
    if not folder.is_dir():
        raise BatchCannotRun("%s is not a folder (give the folder that holds one sub-folder or .zip "
                             "per student)" % folder)
    submissions = find_submissions(folder, exclude=[out])
    if not submissions:
        raise BatchCannotRun("%s holds no submissions (expected one sub-folder or .zip per student)" % folder)
    return submissions


# ---------------------------------------------------------------- grading
def grade_one(submission, out_dir, select=None, isolation=None):
    """Grade one submission in a fresh grader process; returns (status, reason, seconds)."""
    started = time.monotonic()
    for name in REPORT_FILES:
        try:
            (Path(out_dir) / name).unlink()
        except FileNotFoundError:
            pass
    try:
        # One sandbox lane per grading: the batch keeps the cores busy with several gradings.
        proc, results = grade_in_subprocess(submission, out_dir, select=select, isolation=isolation, lanes=1)
    except OSError as exc:
        return GRADER_ERROR, "the grader could not start: %s" % exc, time.monotonic() - started
    status, reason = status_from_run(proc.returncode, proc.stderr, results is not None)
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


def grade_locally(todo, out, jobs, select, isolation, bar):
    counts = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {}
        for name, (path, key) in todo.items():
            forget(out / name)
            futures[pool.submit(grade_one, path, out / name, select, isolation)] = name
        for future in as_completed(futures):
            name = futures[future]
            _record(out, name, todo[name][1], future.result(), "local", counts, bar)


def grade_batch(folder, out, jobs=2, select=None, isolation=None, scheduler=None, similarity=False,
                reference=None, progress=True):
    """Grade every submission of folder into out; returns a BatchOutcome.

    Raises BatchCannotRun (one line) when folder is missing or holds no
    submission, and grade.GraderCannotRun when the grader is not installed."""
    from .class_summary import write_class_outputs
    folder, out = Path(folder), Path(out)
    submissions = check_folder(folder, out)
    task = load_assignment()
    out.mkdir(parents=True, exist_ok=True)
    kit, options = versions.kit_version(task), versions.grading_options(select, isolation)
    todo, statuses = {}, {}
    from tqdm import tqdm
    for name, path in tqdm(submissions.items(), desc="what changed", unit="submission", leave=False,
                           disable=not progress or len(submissions) < 50):
        key = (versions.submission_hash(path, task), kit, options)
        if is_up_to_date(out / name, key):
            statuses[name] = read_status(out / name)
        else:
            todo[name] = (path, key)
    interrupted, client = "", None
    if scheduler and todo:
        from .cluster import ClusterGone, connect, grade_on_cluster
        client = connect(scheduler)
    bar = _progress(len(todo), progress)
    try:
        if client is not None:
            try:
                grade_on_cluster(client, scheduler, todo, out, jobs, select, isolation, kit,
                                 lambda name, outcome, where, counts: _record(
                                     out, name, todo[name][1], outcome, where, counts, bar))
            except ClusterGone as exc:
                interrupted = str(exc)
        else:
            grade_locally(todo, out, jobs, select, isolation, bar)
    finally:
        bar.close()
    results = {}
    for name in submissions:
        status = read_status(out / name)
        if status is None:                      # in flight when the cluster went away
            status = Status(NOT_GRADED, interrupted or "the run stopped")
        statuses[name] = status
        if status.graded:
            results[name] = json.loads((out / name / "results.json").read_text())
    outcome = BatchOutcome(out, statuses, results, graded_now=len(todo), up_to_date=len(submissions) - len(todo),
                           interrupted=interrupted)
    if similarity and not interrupted:
        from similarity.run import run_similarity
        outcome.similarity = run_similarity(folder, out / "similarity", reference=reference, progress=progress)
    write_class_outputs(outcome, task)
    print("%d submissions: %d graded, %d could not be graded (%d now, %d up to date); grades in %s"
          % (len(submissions), len(results), len(outcome.not_graded), outcome.graded_now, outcome.up_to_date,
             out / "grades.csv"))
    for name, status in sorted(outcome.not_graded.items()):
        print("  could not grade %s: %s: %s" % (name, status.status, status.reason))
    if outcome.similarity is not None:
        print("similarity: %d pairs flagged; report in %s" % (outcome.similarity.n_flagged,
                                                             out / "similarity" / "similarity.html"))
    if interrupted:
        print("stopped early: %s; run the same command again to grade the rest" % interrupted)
    return outcome

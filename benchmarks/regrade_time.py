"""A regrade after a fix to the checks, against a full regrade, on a course-sized batch.

    .venv/bin/python benchmarks/regrade_time.py [--students 100] [--jobs 2]

Grades N submissions (the corpus's variants in turn, as course_batch.py makes
them) with a copy of the assignment, then changes the copy and runs the same
`grade-batch` again, three times:
- one check's hidden case (word_embedding_backward's repeated-words check):
  one check per submission runs again;
- one tolerance (tolerances.DEPENDENCE, read by the five numeric-gradient checks);
- nothing: nothing runs.
Prints each run's time on the clock, the median and p90 seconds per
submission (status.json), the checks run per submission, and each run's
ratio to the full grading, which is what a kit that regrades everything
after any change pays.
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from autograder.assignment import load  # noqa: E402
from corpus_sweep import percentile  # noqa: E402
from course_batch import make_course  # noqa: E402

CHANGES = [
    ("one check's hidden case", "layer_checks.py", 'cases.rng_for(part, "repeated")',
     'cases.rng_for(part, "repeated", "fixed")'),
    ("one tolerance (5 checks)", "tolerances.py", "DEPENDENCE = 1e-10", "DEPENDENCE = 1e-11"),
]


def edit(path, old, new):
    text = path.read_text()
    if text.count(old) != 1:
        raise SystemExit("%s does not hold %r once: the benchmark needs updating" % (path, old))
    path.write_text(text.replace(old, new))


def run_batch(src, submissions, out, jobs):
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(submissions), "--out", str(out),
                           "--assignment", str(src), "--jobs", str(jobs), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True)
    took = time.monotonic() - started
    if proc.returncode not in (0, 1):
        raise SystemExit("grade-batch failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
    return took


def per_submission(out, since):
    """(seconds of each submission graded since `since`, checks run in each)."""
    seconds, ran = [], []
    for status_path in out.glob("*/status.json"):
        if status_path.stat().st_mtime < since:
            continue
        seconds.append(json.loads(status_path.read_text())["seconds"])
        results = json.loads((status_path.parent / "results.json").read_text())
        ran.append(sum(1 for t in results["tests"] if not t["extra_data"].get("reused")))
    return seconds, ran


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    task = load()
    work = Path(tempfile.mkdtemp(prefix="regrade-time-"))
    try:
        src = work / "course" / "source" / task.id
        shutil.copytree(task.folder, src, ignore=shutil.ignore_patterns("__pycache__", "quality"))
        submissions, out = work / "submissions", work / "graded"
        make_course(task, args.students, submissions)
        rows = []
        for label, change in [("full grading", None)] + [(c[0], c) for c in CHANGES] + [("nothing changed", None)]:
            if change:
                edit(src / "grading" / change[1], change[2], change[3])
            since = time.time()
            took = run_batch(src, submissions, out, args.jobs)
            seconds, ran = per_submission(out, since)
            rows.append((label, took, seconds, ran))
            print("%-26s %7.1f s" % (label, took), file=sys.stderr, flush=True)
        full = rows[0][1]
        print("%d submissions, --jobs %d" % (args.students, args.jobs))
        print("%-26s %9s %8s %14s %14s %12s" % ("run", "clock", "vs full", "median s/sub", "p90 s/sub",
                                                 "checks/sub"))
        for label, took, seconds, ran in rows:
            print("%-26s %8.1fs %7.2fx %14s %14s %12s" % (
                label, took, took / full,
                "%.2f" % statistics.median(seconds) if seconds else "-",
                "%.2f" % percentile(seconds, 0.9) if seconds else "-",
                "%g" % statistics.median(ran) if ran else "0"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""How long a course takes on each grading path: grade-batch on this machine,
grade-batch on a Dask cluster, and nbgrader autograde, on the same submissions.

    .venv/bin/python benchmarks/course_paths.py [--students 300] [--sample 12] [--jobs 2]

The sample: --sample submissions made of the corpus's variants in turn (as
course_batch.py makes them), each with the release notebooks, in a temporary
nbgrader course (nbgrader_bridge.course), so that every path grades the very
same folders. Each path grades the whole sample once, timed from the
command's start to its end:
- `grade-batch submitted --jobs J` on this machine;
- `grade-batch submitted --scheduler ADDRESS` on a Dask cluster of J workers
  of one thread each on 127.0.0.1 (batch_throughput.Cluster);
- `nbgrader autograde rnn_captioning`, as the README's nbgrader block runs it
  (nbgrader grades one student after another).
Every path grades one submission at a time per lane, so its time grows with
the number of students: the time for --students is the sample's time per
student times --students (printed as an estimate; `course_batch.py
--students 300` measures the local path on a whole course).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from autograder.assignment import load  # noqa: E402
from batch_throughput import Cluster  # noqa: E402
from corpus_sweep import load_corpus_module  # noqa: E402
from nbgrader_bridge.course import ASSIGNMENT, make_course_copy  # noqa: E402


def submit_sample(task, course, count, work):
    """count students in course's submitted/, the corpus variants in turn; returns their ids."""
    corpus = task.folder / "grading" / "quality" / "corpus"
    materialize = load_corpus_module(corpus, "materialize")
    variants = materialize.all_variants(corpus)
    # Spread the sample over the corpus, so that it holds correct code and bugs alike.
    chosen = [variants[(i * len(variants)) // count] for i in range(count)]
    students = []
    for number, variant in enumerate(chosen):
        folder = materialize.materialize(variant.path, ROOT / "release" / task.id, work / "variants" / variant.name,
                                         force=True)
        student = "s%03d" % number
        course.submit_with_package(student, folder / task.source_package)
        students.append(student)
    return students


def timed(command, cwd, env=None):
    started = time.monotonic()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    # grade-batch exits 1 when a submission could not be graded; only 2 and up mean the run failed.
    if proc.returncode not in (0, 1):
        raise SystemExit("%s failed (%d):\n%s%s" % (" ".join(command[:4]), proc.returncode, proc.stdout[-2000:],
                                                     proc.stderr[-2000:]))
    return seconds


def minutes(seconds):
    return "%.1f min" % (seconds / 60) if seconds >= 60 else "%.0f s" % seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300, help="the course size to estimate (default: 300)")
    parser.add_argument("--sample", type=int, default=12, help="submissions graded by each path (default: 12)")
    parser.add_argument("--jobs", type=int, default=2, help="local lanes, and Dask workers (default: 2)")
    args = parser.parse_args(argv)
    task = load()
    work = Path(tempfile.mkdtemp(prefix="course-paths-"))
    course = make_course_copy(work / "course")
    course.generate_assignment()
    students = submit_sample(task, course, args.sample, work)
    submitted = str(course.root / "submitted")
    grade_batch = [sys.executable, "-m", "autograder", "grade-batch", submitted, "--quiet"]
    print("cores: %d; %d submissions, each graded once by each path; load average before: %.2f"
          % (os.cpu_count(), len(students), os.getloadavg()[0]), flush=True)
    times = {}
    times["grade-batch --jobs %d" % args.jobs] = timed(
        grade_batch + ["--out", str(work / "local"), "--jobs", str(args.jobs)], ROOT)
    cluster = Cluster(args.jobs, work)
    try:
        times["grade-batch on Dask, %d workers" % args.jobs] = timed(
            grade_batch + ["--out", str(work / "dask"), "--scheduler", cluster.address], ROOT)
    finally:
        cluster.stop()
    times["nbgrader autograde"] = timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force"],
                                        course.root, course.env)
    print("\n| path | %d submissions | per submission | %d students (estimate) |" % (len(students), args.students))
    print("| --- | --- | --- | --- |")
    for path, seconds in times.items():
        per_student = seconds / len(students)
        print("| %s | %.0f s | %.1f s | %s |" % (path, seconds, per_student, minutes(per_student * args.students)))
    fastest = min(times.values())
    print("\nnbgrader autograde takes %.1fx the time of the fastest path" % (times["nbgrader autograde"] / fastest))


if __name__ == "__main__":
    main()

"""The same submission graded by the kit's grader and by `nbgrader autograde`, side by side.

    .venv/bin/python benchmarks/grader_vs_nbgrader.py [--runs 3]

The submission is the release notebooks with the solutions package, in a
temporary copy of the course (nbgrader_bridge.course). Each run is a whole
command in a subprocess: `python -m autograder grade` (every check in its own
sandboxed child) and `nbgrader autograde rnn_captioning --student bench`
(both notebooks executed in a kernel, hidden checks in the kernel). The runs
alternate, so a change of machine load hits both alike. Prints each run, the
medians, their ratio and the load average before and after.

On a loaded 2-core machine nbgrader's times swing widely (12-124 s for the
same run) while the kit's do not: the kit's sandbox pins BLAS to one thread,
a kernel does not. `OPENBLAS_NUM_THREADS=1 python benchmarks/...` measures
both with one BLAS thread.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nbgrader.api import Gradebook  # noqa: E402

from nbgrader_bridge.course import ASSIGNMENT, make_course_copy  # noqa: E402

STUDENT = "bench"


def timed(function):
    started = time.monotonic()
    score = function()
    return time.monotonic() - started, score


def kit_grader(submission, out):
    def run():
        subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--out", str(out)],
                       cwd=ROOT, check=True, capture_output=True)
        return json.loads((out / "results.json").read_text())["score"]
    return run


def nbgrader_autograde(course):
    def run():
        course.nbgrader("autograde", ASSIGNMENT, "--student", STUDENT, "--create", "--force")
        with Gradebook(course.gradebook_url) as gb:
            return gb.find_submission(ASSIGNMENT, STUDENT).score
    return run


def load_average():
    return "%.2f %.2f %.2f" % os.getloadavg()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="grader-vs-nbgrader-"))
    course = make_course_copy(work / "course")
    course.generate_assignment()
    submission = course.submit_with_package(STUDENT, ROOT / "solutions" / ASSIGNMENT / "captioning")
    print("cores: %d; load average before: %s" % (os.cpu_count(), load_average()))
    times = {"kit grader": [], "nbgrader autograde": []}
    for run in range(args.runs):
        for name, function in (("kit grader", kit_grader(submission, work / ("graded-%d" % run))),
                               ("nbgrader autograde", nbgrader_autograde(course))):
            seconds, score = timed(function)
            times[name].append(seconds)
            print("run %d  %-19s %6.1f s  score %g" % (run + 1, name, seconds, score))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print("\nmedian of %d runs:" % args.runs)
    for name, median in medians.items():
        print("  %-19s %6.1f s  (runs: %s)" % (name, median, ", ".join("%.1f" % t for t in times[name])))
    print("  ratio nbgrader autograde / kit grader: %.2f" % (medians["nbgrader autograde"] / medians["kit grader"]))
    print("load average after: %s" % load_average())
    print("(scores: the kit grader counts automatic points only; nbgrader's total has the same "
          "automatic points and 0 for the ungraded manual cells)")


if __name__ == "__main__":
    main()

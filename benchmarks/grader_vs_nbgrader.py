"""The same submissions graded by the kit's grader and by `nbgrader autograde`, side by side.

    .venv/bin/python benchmarks/grader_vs_nbgrader.py [--runs 3] [--corpus 6]

The submissions are the release notebooks with a package: the reference
(the solutions' package), and --corpus correct variants of the
student-style corpus (student code: loops, float64 inside, ...), spread over
it. Each grading is a whole command in a subprocess: `python -m autograder
grade` (sandboxed, every check in a fresh child) and `nbgrader autograde
rnn_captioning --student NAME` (both notebooks executed in a kernel, hidden
checks in the kernel). The two alternate, so a change of machine load hits
both alike. Prints every grading, then per group (reference; corpus) the
median and p90 of each and the ratio kit / nbgrader of the medians.

On a loaded 2-core machine nbgrader's times swing widely while the kit's do
not: the kit's sandbox pins BLAS to one thread, a kernel does not.
`OPENBLAS_NUM_THREADS=1 python benchmarks/...` measures both with one BLAS thread.
"""
import argparse
import importlib.util
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

from autograder.assignment import load  # noqa: E402
from nbgrader_bridge.course import ASSIGNMENT, make_course_copy  # noqa: E402


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


def nbgrader_autograde(course, student):
    def run():
        course.nbgrader("autograde", ASSIGNMENT, "--student", student, "--create", "--force")
        with Gradebook(course.gradebook_url) as gb:
            return gb.find_submission(ASSIGNMENT, student).score
    return run


def load_average():
    return "%.2f %.2f %.2f" % os.getloadavg()


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def corpus_packages(count, work):
    """count correct corpus variants, spread over the corpus, materialized: {name: package folder}."""
    task = load()
    corpus = task.folder / "grading" / "quality" / "corpus"
    spec = importlib.util.spec_from_file_location("_bench_materialize", corpus / "materialize.py")
    materialize = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(materialize)
    correct = [v for v in materialize.all_variants(corpus) if v.kind == "correct"]
    chosen = correct[::max(1, len(correct) // max(count, 1))][:count]
    return {v.name: materialize.materialize(v.path, ROOT / "release" / task.id, work / "variants" / v.name)
            / task.source_package for v in chosen}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="gradings of the reference by each")
    parser.add_argument("--corpus", type=int, default=6, help="correct corpus variants, graded once by each")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="grader-vs-nbgrader-"))
    course = make_course_copy(work / "course")
    course.generate_assignment()
    packages = {"reference": ROOT / "solutions" / ASSIGNMENT / "captioning"}
    packages.update(corpus_packages(args.corpus, work))
    submissions = {name: course.submit_with_package(name.replace("_", "-"), package)
                   for name, package in packages.items()}
    print("cores: %d; load average before: %s" % (os.cpu_count(), load_average()))
    times = {}   # (group, grader) -> [seconds]
    plan = [("reference", "reference")] * args.runs + [("corpus", name) for name in packages if name != "reference"]
    for number, (group, name) in enumerate(plan):
        student = name.replace("_", "-")
        for grader, function in (("kit grader", kit_grader(submissions[name], work / ("graded-%d" % number))),
                                 ("nbgrader autograde", nbgrader_autograde(course, student))):
            seconds, score = timed(function)
            times.setdefault((group, grader), []).append(seconds)
            print("%-36s %-19s %6.1f s  score %g" % (name, grader, seconds, score), flush=True)
    print("\n| submissions | grader | median s | p90 s | gradings |")
    print("| --- | --- | --- | --- | --- |")
    for (group, grader), values in times.items():
        print("| %s | %s | %.1f | %.1f | %d |" % (group, grader, statistics.median(values),
                                                  percentile(values, 0.9), len(values)))
    for group in ("reference", "corpus"):
        if (group, "kit grader") in times:
            kit = statistics.median(times[(group, "kit grader")])
            nb = statistics.median(times[(group, "nbgrader autograde")])
            print("%s: kit grader / nbgrader autograde = %.2f (medians %.1f s / %.1f s)" % (group, kit / nb, kit, nb))
    print("load average after: %s" % load_average())
    print("(scores: the kit grader counts automatic points only; nbgrader's total has the same "
          "automatic points and 0 for the ungraded manual cells)")


if __name__ == "__main__":
    main()

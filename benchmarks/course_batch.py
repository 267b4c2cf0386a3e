"""A course-sized batch: N submissions made of the corpus's correct and buggy variants
(in turn, each repeated as often as needed), graded with every check by one
`grade-batch --jobs J` run.

    .venv/bin/python benchmarks/course_batch.py [--students 300] [--jobs 2] [--out DIR]

Prints the batch's time on the clock, submissions per minute, and the median and
p90 of the CPU seconds the student code used per submission (from each report),
for the correct and the buggy variants apart.
"""
import argparse
import json
import re
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
from corpus_sweep import load_corpus_module, percentile  # noqa: E402

CPU_USED = re.compile(r"your code used ([\d.]+) of")


def make_course(task, students, folder):
    """{student: variant kind}: students submissions, the corpus variants in turn."""
    corpus = task.folder / "grading" / "quality" / "corpus"
    materialize = load_corpus_module(corpus, "materialize")
    variants = materialize.all_variants(corpus)
    made, kinds = {}, {}
    for number in range(students):
        variant = variants[number % len(variants)]
        if variant.name not in made:
            made[variant.name] = materialize.materialize(variant.path, ROOT / "release" / task.id,
                                                         folder / ".variants" / variant.name)
        name = "student%03d_%s" % (number, variant.name)
        shutil.copytree(made[variant.name], folder / name)
        kinds[name] = variant.kind
    return kinds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=None, help="keep the batch and its grades here")
    args = parser.parse_args(argv)
    task = load()
    work = Path(args.out or tempfile.mkdtemp(prefix="course-batch-"))
    submissions = work / "submissions"
    kinds = make_course(task, args.students, submissions)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(submissions), "--out",
                    str(work / "graded"), "--jobs", str(args.jobs), "--quiet"], cwd=ROOT, check=False)
    wall = time.monotonic() - started
    cpu = {"correct": [], "bug": []}
    for name, kind in kinds.items():
        try:
            results = json.loads((work / "graded" / name / "results.json").read_text())
        except OSError:
            continue
        used = CPU_USED.search(results.get("output", ""))
        if used:
            cpu[kind].append(float(used.group(1)))
    print("%d submissions at --jobs %d: %.0f s on the clock (%.1f min), %.1f submissions/min"
          % (len(kinds), args.jobs, wall, wall / 60, 60 * len(kinds) / wall))
    for kind, values in cpu.items():
        if values:
            print("  %-7s %3d: CPU seconds of student code per submission: median %.1f, p90 %.1f, max %.1f"
                  % (kind, len(values), statistics.median(values), percentile(values, 0.9), max(values)))
    if not args.out:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

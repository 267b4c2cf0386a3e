"""The whole student-style corpus through the sandboxed grader, training included:
every variant's verdict and hint against its declaration, and grading times.

    .venv/bin/python benchmarks/corpus_sweep.py [--jobs 2] [--out DIR]

(`make test` grades the training checks only for the variants whose
declaration concerns them; this sweep grades them all.) Prints every
disagreement, the count of part verdicts and wrong ones, and the median and
p90 grading time of the correct and the buggy variants.
"""
import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.assignment import load  # noqa: E402


def load_corpus_module(corpus, name):
    spec = importlib.util.spec_from_file_location("_sweep_" + name, corpus / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=None, help="keep the graded folders here")
    args = parser.parse_args(argv)
    task = load()
    corpus = task.folder / "grading" / "quality" / "corpus"
    materialize, verdicts = load_corpus_module(corpus, "materialize"), load_corpus_module(corpus, "verdicts")
    variants = materialize.all_variants(corpus)
    work = Path(args.out or tempfile.mkdtemp(prefix="corpus-sweep-"))
    submissions = work / "submissions"
    for variant in variants:
        target = submissions / variant.name
        if not target.exists():
            materialize.materialize(variant.path, ROOT / "release" / task.id, target)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(submissions), "--out",
                    str(work / "graded"), "--jobs", str(args.jobs)], cwd=ROOT, check=True)
    wall = time.monotonic() - started
    total = wrong = 0
    seconds = {"correct": [], "bug": []}
    for variant in variants:
        results = json.loads((work / "graded" / variant.name / "results.json").read_text())
        problems = verdicts.judge(variant, results)
        total += len({t["extra_data"]["part"] for t in results["tests"]})
        wrong += len(problems)
        seconds[variant.kind].append(results["execution_time"])
        for part, why in problems:
            print("%-40s %-24s %s" % (variant.name, part, why))
    print("variants: %d (%d correct, %d bugs); part verdicts: %d; wrong: %d"
          % (len(variants), len(seconds["correct"]), len(seconds["bug"]), total, wrong))
    for kind, values in seconds.items():
        print("grading time, %s variants: median %.1f s, p90 %.1f s, max %.1f s"
              % (kind, statistics.median(values), percentile(values, 0.9), max(values)))
    print("whole sweep: %.0f s with --jobs %d; graded folders in %s" % (wall, args.jobs, work))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())

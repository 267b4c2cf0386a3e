"""Grading time of one submission (the solutions): median of 3 runs, with a per-check breakdown.

    .venv/bin/python benchmarks/grade_time.py [--runs 3] [--submission solutions/rnn_captioning]

Each run is a full `python -m autograder grade` in a subprocess (every check
in its own sandboxed child). Prints the isolation that ran, the median wall
time of the whole command, the median time of each check and, per check kind,
the sum of the medians.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--submission", default=str(ROOT / "solutions" / "rnn_captioning"))
    args = parser.parse_args()
    totals, per_check, isolation = [], {}, None
    for run in range(args.runs):
        out = Path(tempfile.mkdtemp(prefix="grade-time-"))
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "autograder", "grade", args.submission, "--out", str(out)],
                       cwd=ROOT, check=True, capture_output=True)
        totals.append(time.monotonic() - started)
        results = json.loads((out / "results.json").read_text())
        isolation = results["extra_data"]["isolation"]
        assert results["score"] == results["extra_data"]["max_score"], "the submission lost points"
        for test in results["tests"]:
            per_check.setdefault(test["name"], []).append(test["extra_data"]["seconds"])
    medians = {name: statistics.median(times) for name, times in per_check.items()}
    print("isolation: %s" % isolation)
    print("grading time (whole command), median of %d: %.1f s  (runs: %s)"
          % (args.runs, statistics.median(totals), ", ".join("%.1f" % t for t in totals)))
    kinds = {}
    for name, seconds in medians.items():
        kind = "overfit" if name.startswith("Overfit") else name.split(": ", 1)[1]
        kinds[kind] = kinds.get(kind, 0.0) + seconds
    print("\nper kind of check (sum of per-check medians):")
    for kind, seconds in sorted(kinds.items(), key=lambda item: -item[1]):
        print("  %-45s %6.2f s" % (kind, seconds))
    print("\nper check (median):")
    for name, seconds in medians.items():
        print("  %-75s %6.2f s" % (name, seconds))


if __name__ == "__main__":
    main()

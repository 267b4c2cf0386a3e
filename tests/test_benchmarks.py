"""The benchmarks that size a course run as written, on a small batch: their figures
are what the README and the issues quote."""
import re
import subprocess
import sys

import pytest

from helpers import ROOT


def test_course_batch_prints_its_time_and_cpu_per_submission():
    proc = subprocess.run([sys.executable, "benchmarks/course_batch.py", "--students", "4", "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.search(r"^4 submissions at --jobs 2: \d+ s on the clock .* submissions/min$", proc.stdout, re.M)
    assert re.search(r"correct +\d+: CPU seconds of student code per submission: median [\d.]+, p90", proc.stdout)


def test_course_paths_prints_each_path_and_its_course_estimate():
    proc = subprocess.run([sys.executable, "benchmarks/course_paths.py", "--sample", "2", "--students", "300"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = re.findall(r"^\| (grade-batch --jobs 2|grade-batch on Dask, 2 workers|nbgrader autograde) \| (\d+) s \| "
                      r"([\d.]+) s \| ([\d.]+) (min|s) \|$", proc.stdout, re.M)
    assert [row[0] for row in rows] == ["grade-batch --jobs 2", "grade-batch on Dask, 2 workers",
                                        "nbgrader autograde"], proc.stdout
    for _, sample, per_submission, estimate, unit in rows:
        assert float(per_submission) > 0
        # the estimate is the sample's time per submission times the course
        assert float(estimate) * (60 if unit == "min" else 1) == pytest.approx(300 * float(per_submission), rel=0.05)


def test_regrade_time_prints_each_regrade_against_the_full_grading():
    proc = subprocess.run([sys.executable, "benchmarks/regrade_time.py", "--students", "3", "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = dict((label.strip(), int(checks)) for label, checks in re.findall(
        r"^(full grading|one check's hidden case|one tolerance \(5 checks\)|nothing changed) +[\d.]+s +"
        r"[\d.]+x +\S+ +\S+ +(\d+)$", proc.stdout, re.M))
    assert list(rows) == ["full grading", "one check's hidden case", "one tolerance (5 checks)",
                          "nothing changed"], proc.stdout
    assert rows["full grading"] > 50 and rows["one check's hidden case"] == 1 and rows["nothing changed"] == 0
    assert 5 <= rows["one tolerance (5 checks)"] < rows["full grading"]

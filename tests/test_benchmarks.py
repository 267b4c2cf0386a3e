"""The benchmarks that size a course run as written, on a small batch: their figures
are what the README and the issues quote."""
import re
import subprocess
import sys

from helpers import ROOT


def test_course_batch_prints_its_time_and_cpu_per_submission():
    proc = subprocess.run([sys.executable, "benchmarks/course_batch.py", "--students", "4", "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.search(r"^4 submissions at --jobs 2: \d+ s on the clock .* submissions/min$", proc.stdout, re.M)
    assert re.search(r"correct +\d+: CPU seconds of student code per submission: median [\d.]+, p90", proc.stdout)

"""Batch grading: a column per part, a class summary, and resuming skips graded work."""
import csv
import shutil
import subprocess
import sys

from helpers import ROOT, mutants


def run_batch(folder, out):
    return subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(folder), "--out", str(out),
                           "--jobs", "2", "-k", "rnn_step"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_batch_grades_csv_summary_and_resume(correct_submission, tmp_path):
    folder = tmp_path / "submitted"
    shutil.copytree(correct_submission, folder / "alice" / "rnn_captioning",
                    ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    mutants.make_mutant(correct_submission, folder / "bob" / "rnn_captioning", "rnn_step_backward_no_tanh_derivative")
    out = tmp_path / "graded"
    proc = run_batch(folder, out)
    assert proc.returncode == 0, proc.stderr
    with open(out / "grades.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert float(rows["alice"]["rnn_step_forward"]) == 4 and float(rows["alice"]["rnn_step_backward"]) == 6
    assert float(rows["bob"]["rnn_step_forward"]) == 4 and float(rows["bob"]["rnn_step_backward"]) == 0
    assert "rnn_step_backward" in (out / "summary.md").read_text()
    before = (out / "alice" / "results.json").stat().st_mtime
    proc = run_batch(folder, out)
    assert proc.returncode == 0 and "0 now, 2 up to date" in proc.stdout
    assert (out / "alice" / "results.json").stat().st_mtime == before

"""Every student of a batch accounted for: a syntax error has its own status and is said once,
a file that is not a submission is listed and skipped, an empty folder is a row with its
reason, and the copy check compares the whole-folder zip the grader grades.

Real grader, real sandbox, one grade-batch run over a batch with the kinds of students a
course has."""
import csv
import json
import shutil
import subprocess
import sys

from helpers import ROOT, SOLUTIONS, TASK, whole_folder_zip

QUICK = "rnn_step_forward or rnn_loss"
MODEL = "classifiers/rnn.py"


def read_csv(path):
    with open(path, newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def test_a_course_batch_accounts_for_every_student(tmp_path):
    folder = tmp_path / "submitted"
    shutil.copytree(SOLUTIONS, folder / "alice" / TASK.id, ignore=shutil.ignore_patterns("__pycache__"))
    erin = shutil.copytree(SOLUTIONS, folder / "erin" / TASK.id, ignore=shutil.ignore_patterns("__pycache__"))
    broken = erin / TASK.package / MODEL
    broken.write_text(broken.read_text().replace("class CaptioningRNN", "class CaptioningRNN(", 1))
    whole_folder_zip(folder / "walt.zip", images=200)
    (folder / "frank").mkdir()
    (folder / "notes.txt").write_text("grade these please\n")
    out = tmp_path / "graded"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(folder), "--out", str(out),
                           "--jobs", "2", "-k", QUICK, "--similarity"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout + proc.stderr           # frank could not be graded

    rows = read_csv(out / "grades.csv")
    assert sorted(rows) == ["(max points)", "alice", "erin", "frank", "walt"]      # no row for notes.txt
    assert rows["alice"]["status"] == rows["walt"]["status"] == "graded"
    assert float(rows["walt"]["automatic_total"]) == float(rows["alice"]["automatic_total"]) > 0
    # erin: her rnn_layers.py earns its points; rnn.py's syntax error is her status and her note
    assert rows["erin"]["status"] == "could not be imported"
    assert float(rows["erin"]["rnn_step_forward"]) > 0 and float(rows["erin"]["rnn_loss"]) == 0
    assert "SyntaxError" in rows["erin"]["note"] and MODEL in rows["erin"]["note"]
    status = json.loads((out / "erin" / "status.json").read_text())
    assert status["status"] == "could not be imported" and "SyntaxError" in status["reason"]
    assert "erin: could not be imported: " in proc.stdout
    report = (out / "erin" / "report.md").read_text()
    graded_part = report.split("## Output of your code")[0]            # the log below shows the traceback
    assert graded_part.count("SyntaxError") == 1                      # at the top, not in every row
    assert graded_part.index("SyntaxError") < graded_part.index("## Parts")
    assert "(the error is at the top of this report)" in graded_part
    assert "could not grade frank: unreadable" in proc.stdout and rows["frank"]["note"]
    assert "notes.txt in %s: not a folder or a .zip, so not a submission: skipped" % folder in proc.stdout

    with open(out / "similarity" / "similarity.csv", encoding="utf-8") as f:
        compared = list(csv.DictReader(f))
    pairs = {frozenset((r["a"], r["b"])): float(r["score"]) for r in compared if r["kind"] != "submission"}
    assert pairs[frozenset(("alice", "walt"))] > 0.95
    notes = {r["a"]: r["note"] for r in compared if r["kind"] == "submission"}
    assert "not a submission" in notes["notes.txt"] and "no %s/rnn_layers.py" % TASK.package in notes["frank"]
    assert "walt" not in notes and "alice" not in notes                # compared, nothing to say
    # the console names who the copy check left out, once each
    assert "  frank: not compared: no %s/rnn_layers.py" % TASK.package in proc.stdout
    assert proc.stdout.count("notes.txt") == 1

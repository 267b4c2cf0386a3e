"""Fixing a check mid-term: the checks' fingerprints, and a real `grade-batch` run again
after one tolerance changes on a copy of the assignment: only the checks that read it
run again (and the ones whose verdicts may follow), regrade.csv lists exactly the
students whose scores changed, a lower score waits for --allow-lower, and a run
after no change runs nothing and lists nothing."""
import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder import assignment
from autograder.fingerprints import check_fingerprints
from helpers import RELEASE, ROOT, SOLUTIONS, TASK, classic
from test_batch_cluster import cluster  # noqa: F401  (the real Dask cluster fixture)

STRICT, RIGHT = "MODEL_GRADIENTS = 1e-30", "MODEL_GRADIENTS = 1e-7 "


def copy_assignment(root):
    src = root / "course" / "source" / TASK.id
    shutil.copytree(TASK.folder, src, ignore=shutil.ignore_patterns("__pycache__", "corpus", "similarity_baseline"))
    return src


def edit(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


def test_fingerprints_follow_what_a_check_reads_and_nothing_else(tmp_path):
    ours = check_fingerprints(TASK)
    assert len(ours) == len(TASK.checks()) and len(set(ours.values())) == len(ours)
    src = copy_assignment(tmp_path)
    tolerances = src / "grading" / "tolerances.py"
    tolerances.write_text(tolerances.read_text() + "\n# a comment an instructor adds changes no check\n")
    rubric = json.loads((src / "rubric.json").read_text())
    rubric["parts"][0]["points"] += 1                 # points re-score; they change no verdict
    (src / "rubric.json").write_text(json.dumps(rubric, indent=1))
    copy = assignment.load(src)
    assert check_fingerprints(copy) == ours           # another folder, a comment, other points: the same checks
    module = copy.grading_module("tolerances")
    module.DEPENDENCE = module.DEPENDENCE * 10
    changed = {name for name, value in check_fingerprints(copy).items() if value != ours[name]}
    readers = {"%s::numeric_gradient" % part.id for part, check in copy.checks() if check.key == "numeric_gradient"}
    assert changed == readers and len(readers) == 5


def batch(src, submitted, out, *extra):
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_ASSIGNMENT"}
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(submitted), "--out", str(out),
                           "--assignment", str(src), "--quiet", *extra], cwd=ROOT, capture_output=True, text=True,
                          timeout=900, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


def results_of(out):
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}


def ran_again(results):
    return {"%s::%s" % (t["extra_data"]["part"], t["extra_data"]["check"])
            for t in results["tests"] if not t["extra_data"]["reused"]}


def fingerprints_in(results):
    return {"%s::%s" % (t["extra_data"]["part"], t["extra_data"]["check"]): t["extra_data"]["fingerprint"]
            for t in results["tests"]}


def ledger(out):
    path = out / "regrade.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def downstream(parts):
    """The parts that depend on any of parts, directly or not, and parts themselves."""
    return {p.id for p in TASK.auto_parts if p.id in parts or set(assignment.upstream_closure(p.id, TASK.parts)) & parts}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """(the assignment copy with a too strict tolerance, the submissions, the graded folder) after one batch."""
    root = tmp_path_factory.mktemp("regrade")
    src = copy_assignment(root)
    edit(src / "grading" / "tolerances.py", RIGHT, STRICT)
    submitted = root / "submitted"
    shutil.copytree(SOLUTIONS, submitted / "alice" / TASK.id, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    classic.make_classic_correct(SOLUTIONS, submitted / "bob" / TASK.id)
    shutil.copytree(RELEASE, submitted / "dave" / TASK.id, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    out = root / "graded"
    batch(src, submitted, out)
    return src, submitted, out


def test_a_fixed_tolerance_runs_only_its_checks_again_and_the_ledger_lists_who_changed(course):
    src, submitted, out = course
    before = results_of(out)
    assert all(ran_again(r) == set(fingerprints_in(r)) for r in before.values())      # the first grading runs all
    edit(src / "grading" / "tolerances.py", STRICT, RIGHT)
    printed = batch(src, submitted, out)
    after = results_of(out)
    changed_checks = {name for name, value in fingerprints_in(after["dave"]).items()
                      if value != fingerprints_in(before["dave"])[name]}
    assert changed_checks and {name.split("::")[0] for name in changed_checks} == {"rnn_loss", "lstm_loss"}
    for student, results in after.items():
        # A check whose part, or a part it depends on, now ends otherwise may read those verdicts: it runs too.
        flipped = {name.split("::")[0] for name in changed_checks
                   if next(t for t in results["tests"] if t["extra_data"]["part"] + "::" + t["extra_data"]["check"]
                           == name)["status"] != next(t for t in before[student]["tests"]
                                                      if t["extra_data"]["part"] + "::" + t["extra_data"]["check"]
                                                      == name)["status"]}
        allowed = changed_checks | {name for name in fingerprints_in(results) if name.split("::")[0] in downstream(flipped)}
        assert changed_checks <= ran_again(results) <= allowed, (student, ran_again(results) - changed_checks)
        if not flipped:
            assert ran_again(results) == changed_checks, student
        assert "%d checks ran again" % len(ran_again(results)) in results["output"]
    moved = {s for s in after if after[s]["score"] != before[s]["score"]}
    assert moved == {"alice", "bob"} and all(after[s]["score"] > before[s]["score"] for s in moved)
    rows = ledger(out)
    assert {row["student"] for row in rows} == moved and len(rows) == len(moved)
    for row in rows:
        assert float(row["old score"]) == before[row["student"]]["score"]
        assert float(row["new score"]) == after[row["student"]]["score"] and row["applied"] == "yes"
        assert "rnn_loss" in row["parts"] and int(row["checks run again"]) == len(ran_again(after[row["student"]]))
    assert "regraded 3 submissions after a change to the checks: 2 scores changed" in printed
    summary = (out / "summary.html").read_text()
    assert summary.count('<tr class="regraded">') == 2 and "regrade.csv" in summary
    with open(out / "lms_grades.csv", newline="") as f:
        assert {r["student_id"]: float(r["total"]) for r in csv.DictReader(f)} == {
            s: after[s]["score"] for s in after}

    # Nothing changed: nothing runs, nothing is listed.
    printed = batch(src, submitted, out)
    assert "(0 now, 3 up to date)" in printed and "regraded" not in printed
    assert ledger(out) == rows and results_of(out) == after

    # A change that lowers scores waits for --allow-lower; the earlier grade stands until then.
    edit(src / "grading" / "tolerances.py", RIGHT, STRICT)
    printed = batch(src, submitted, out)
    assert "2 scores lower than before and not applied: run the same command with --allow-lower" in printed
    kept = results_of(out)
    assert {s: r["score"] for s, r in kept.items()} == {s: r["score"] for s, r in after.items()}
    waiting = ledger(out)[len(rows):]
    assert {row["student"] for row in waiting} == {"alice", "bob"}
    assert all(row["applied"].startswith("no: lower") for row in waiting)
    batch(src, submitted, out)                         # met again, said once
    assert len(ledger(out)) == len(rows) + 2
    printed = batch(src, submitted, out, "--allow-lower")
    lowered = results_of(out)
    assert {s: lowered[s]["score"] for s in ("alice", "bob")} == {s: before[s]["score"] for s in ("alice", "bob")}
    applied = ledger(out)[len(rows) + 2:]
    assert {row["student"] for row in applied} == {"alice", "bob"}
    assert all(row["applied"] == "yes, lowered with --allow-lower" for row in applied)
    assert (out / "alice" / "earlier" / "results.json").is_file()      # the report before the change, kept


def test_on_a_dask_cluster_a_regrade_runs_only_the_changed_checks_too(tmp_path, cluster):
    src = copy_assignment(tmp_path)
    edit(src / "grading" / "tolerances.py", RIGHT, STRICT)
    submitted, out = tmp_path / "submitted", tmp_path / "graded"
    shutil.copytree(SOLUTIONS, submitted / "alice" / TASK.id, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    shutil.copytree(RELEASE, submitted / "dave" / TASK.id, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    batch(src, submitted, out, "--scheduler", cluster.address)
    before = results_of(out)
    edit(src / "grading" / "tolerances.py", STRICT, RIGHT)
    printed = batch(src, submitted, out, "--scheduler", cluster.address)
    after = results_of(out)
    changed = {name for name, value in fingerprints_in(after["dave"]).items()
               if value != fingerprints_in(before["dave"])[name]}
    assert changed and ran_again(after["dave"]) == changed
    assert after["alice"]["score"] > before["alice"]["score"]
    assert [row["student"] for row in ledger(out)] == ["alice"]
    assert "regraded 2 submissions after a change to the checks: 1 score changed" in printed

"""Ctrl-C (SIGINT) and SIGTERM on a real `grade-batch`, midway, locally and on a real Dask
cluster: it stops within 5 s, leaves no grader or sandbox process behind, keeps every
finished submission's reports and status, writes grades.csv and the summary with the
rest marked "not graded", and the re-run grades only the rest."""
import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT, SOLUTIONS
from test_batch_cluster import cluster  # noqa: F401  (the real Dask cluster fixture)

STUDENTS = ["s%02d" % i for i in range(8)]
QUICK = "rnn_step"
# Each grading takes about 3 s: rnn_step_forward waits on the notebook's inputs (x of shape
# (3, 10), one check's call; each check runs in a fresh process), under the idle rule's 5 s.
SLOW_WRAPPER = """

import time as _time

_right_rnn_step_forward = rnn_step_forward


def rnn_step_forward(x, *args, **kwargs):
    if x.shape == (3, 10):
        _time.sleep(2.5)
    return _right_rnn_step_forward(x, *args, **kwargs)
"""


def make_batch(folder):
    for student in STUDENTS:
        copy = shutil.copytree(SOLUTIONS, folder / student / "rnn_captioning",
                               ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
        layers = copy / "captioning" / "rnn_layers.py"
        layers.write_text(layers.read_text() + SLOW_WRAPPER)
    return folder


def batch_command(folder, out, *extra):
    return [sys.executable, "-m", "autograder", "grade-batch", str(folder), "--out", str(out), "-k", QUICK,
            "--jobs", "2", "--quiet", *extra]


def descendants(pid):
    """Every live process below pid (from /proc's parent links)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def alive(pid):
    try:
        state = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def finished(out):
    return sorted(p.parent.name for p in out.glob("*/status.json"))


def stop_midway(command, out, signum, graders_under=()):
    """Start the batch, send signum once a submission finished; returns (its CompletedProcess,
    seconds from the signal to its end, the pids of the processes below it, or below the
    graders_under pids (Dask workers), that outlived it)."""
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not finished(out) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert proc.poll() is None and finished(out), "no submission finished, or the batch ended first"
    # Both lanes may finish together and be between submissions for a moment: wait for the next grader.
    below, deadline = set(), time.monotonic() + 10
    while not below and time.monotonic() < deadline and proc.poll() is None:
        below = set().union(*(descendants(pid) for pid in [proc.pid, *graders_under]))
        if not below:
            time.sleep(0.05)
    assert below, "no grader running"
    sent = time.monotonic()
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    took = time.monotonic() - sent
    time.sleep(0.5)
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr), took, sorted(
        pid for pid in below if alive(pid))


def check_stopped_batch(command, out, proc, took, left, signum):
    assert took < 5, "took %.1f s to stop" % took
    assert left == [], "processes left behind: %s" % left
    assert proc.returncode == 128 + signum, proc.stderr[-2000:]
    done = [s for s in STUDENTS if (out / s / "status.json").is_file()]
    assert 0 < len(done) < len(STUDENTS), done
    for student in done:
        assert json.loads((out / student / "status.json").read_text())["status"] == "graded"
        assert json.loads((out / student / "results.json").read_text())["score"] > 0
    with open(out / "grades.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f) if row["student"] != "(max points)"}
    assert sorted(rows) == STUDENTS
    assert {s for s, row in rows.items() if row["status"] == "graded"} == set(done)
    assert all(rows[s]["status"] == "not graded" for s in STUDENTS if s not in done)
    summary = (out / "summary.md").read_text()
    assert all(s in summary for s in STUDENTS if s not in done)
    assert "stopped by" in proc.stdout + proc.stderr
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "(%d now, %d up to date)" % (len(STUDENTS) - len(done), len(done)) in again.stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_local_batch_keeps_what_finished_and_the_rerun_grades_the_rest(tmp_path, signum):
    folder, out = make_batch(tmp_path / "submitted"), tmp_path / "graded"
    command = batch_command(folder, out)
    proc, took, left = stop_midway(command, out, signum)
    check_stopped_batch(command, out, proc, took, left, signum)


def test_a_stopped_cluster_batch_keeps_what_finished_and_the_workers_stop_grading(tmp_path, cluster):
    workers = [p.pid for p in cluster.workers.values()]
    folder, out = make_batch(tmp_path / "submitted"), tmp_path / "graded"
    command = batch_command(folder, out, "--scheduler", cluster.address)
    # The workers' graders (children of the worker processes) end with the batch too.
    proc, took, left = stop_midway(command, out, signal.SIGINT, graders_under=workers)
    check_stopped_batch(command, out, proc, took, left, signal.SIGINT)

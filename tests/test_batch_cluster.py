"""`grade-batch --scheduler`: a real Dask cluster on this machine (one `dask scheduler`, two
`dask worker` processes, --nthreads 1, on 127.0.0.1) grades as a local batch does, and
survives a killed worker and a killed scheduler (issue 10, "Beyond one machine")."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from autograder.batch_status import FINAL
from helpers import ROOT, SOLUTIONS, mutants

distributed = pytest.importorskip("distributed")

QUICK = "rnn_step"
SLOW = "slow"                 # its rnn_step_forward sleeps 1 s at its first call in each process
SLOW_WRAPPER = """

import time as _time

_right_rnn_step_forward = rnn_step_forward
_slept = []


def rnn_step_forward(*args, **kwargs):
    if not _slept:
        _slept.append(True)
        _time.sleep(1)
    return _right_rnn_step_forward(*args, **kwargs)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalCluster:
    """A dask scheduler and workers as separate processes, as a course would start them."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.port = free_port()
        self.address = "tcp://127.0.0.1:%d" % self.port
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        self.scheduler, self.workers = None, {}

    def _start(self, name, *args):
        log = open(self.log_dir / ("%s.log" % name), "ab")
        return subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def start_scheduler(self):
        self.scheduler = self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                     "--no-dashboard")

    def start_workers(self, count=2):
        for _ in range(count):
            port = free_port()
            self.workers["tcp://127.0.0.1:%d" % port] = self._start(
                "worker%d" % port, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                "--host", "127.0.0.1", "--worker-port", str(port))
        with distributed.Client(self.address, timeout=60) as client:
            client.wait_for_workers(len(self.live_workers()), timeout=90)

    def live_workers(self):
        return {address: proc for address, proc in self.workers.items() if proc.poll() is None}

    def kill(self, proc):
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def stop(self):
        for proc in list(self.workers.values()) + [self.scheduler]:
            if proc is not None and proc.poll() is None:
                self.kill(proc)


@pytest.fixture
def cluster(tmp_path):
    logs = tmp_path / "dask_logs"
    logs.mkdir()
    started = LocalCluster(logs)
    started.start_scheduler()
    try:
        started.start_workers(2)
        yield started
    finally:
        started.stop()


def make_batch(folder):
    ignore = shutil.ignore_patterns("__pycache__", "*.ipynb")
    shutil.copytree(SOLUTIONS, folder / "alice" / "rnn_captioning", ignore=ignore)
    mutants.make_mutant(SOLUTIONS, folder / "bob" / "rnn_captioning", "rnn_step_backward_no_tanh_derivative")
    slow = shutil.copytree(SOLUTIONS, folder / SLOW / "rnn_captioning", ignore=ignore)
    layers = slow / "captioning" / "rnn_layers.py"
    layers.write_text(layers.read_text() + SLOW_WRAPPER)
    shutil.make_archive(str(folder / "carol"), "zip", SOLUTIONS, "captioning")
    (folder / "dan.zip").write_bytes(b"not a zip at all")
    return folder


def batch(folder, out, *extra):
    return [sys.executable, "-m", "autograder", "grade-batch", str(folder), "--out", str(out), "-k", QUICK,
            "--jobs", "2", *extra]


@pytest.fixture(scope="module")
def local_batch(tmp_path_factory):
    """The same batch graded locally: what the cluster must reproduce."""
    folder = make_batch(tmp_path_factory.mktemp("batch") / "submitted")
    out = folder.parent / "local"
    proc = subprocess.run(batch(folder, out), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr                 # dan.zip is unreadable
    return folder, out


def grades_of(out):
    """Every student's status and every test's verdict, score and message (times removed)."""
    grades = {}
    for status_file in sorted(out.glob("*/status.json")):
        student = status_file.parent
        results = json.loads((student / "results.json").read_text())
        grades[student.name] = (json.loads(status_file.read_text())["status"], results["score"],
                                [(t["name"], t["score"], t["status"], t["output"]) for t in results["tests"]])
    return grades


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def test_cluster_grades_as_locally_and_survives_a_killed_worker(cluster, local_batch, tmp_path):
    folder, local_out = local_batch
    out = tmp_path / "dask"
    run = subprocess.Popen(batch(folder, out, "--scheduler", cluster.address), cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    with distributed.Client(cluster.address, timeout=30) as watcher:
        def slow_worker():
            """The worker running the slow submission now. Asked of the workers themselves: the
            scheduler's `processing()` also lists tasks queued on a worker, which work stealing
            may still move to the other one."""
            def grading_slow(dask_worker):
                return any(str(task.key).startswith("grade-%s-" % SLOW) for task in dask_worker.state.executing)
            running = [address for address, found in watcher.run(grading_slow).items() if found]
            return running[0] if running else None
        address = wait_for(slow_worker, 120, "the slow submission to start on a worker")
        time.sleep(1)                                        # mid-grading: its checks are under way
        assert slow_worker() == address
        victim = cluster.workers[address]
        cluster.kill(victim)
    stdout, stderr = run.communicate(timeout=600)
    assert run.returncode == 1, stdout + stderr               # dan.zip: unreadable, as locally
    assert grades_of(out) == grades_of(local_out)
    assert (out / "grades.csv").read_bytes() == (local_out / "grades.csv").read_bytes()
    assert json.loads((out / "dan" / "status.json").read_text())["status"] == "unreadable"
    where = json.loads((out / SLOW / "status.json").read_text())["where"]
    assert "(pid %d)" % victim.pid not in where              # finished by the other worker
    # the reports name each submission by its path here, not by the worker's temporary copy
    title = (out / SLOW / "report.md").read_text().splitlines()[0]
    assert title == (local_out / SLOW / "report.md").read_text().splitlines()[0], title
    assert "autograder-remote" not in title and str(folder / SLOW) in title, title
    # Everything is up to date now: a re-run grades nothing.
    again = subprocess.run(batch(folder, out, "--scheduler", cluster.address), cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
    assert "(0 now, 5 up to date)" in again.stdout, again.stdout + again.stderr


def final_statuses(out):
    """The submissions of a batch folder with a final status (graded or unreadable)."""
    found = set()
    for path in out.glob("*/status.json"):
        try:
            if json.loads(path.read_text())["status"] in FINAL:
                found.add(path.parent.name)
        except (OSError, ValueError):      # being written
            continue
    return found


def test_a_killed_scheduler_loses_only_the_submissions_in_flight(cluster, local_batch, tmp_path):
    folder, local_out = local_batch
    out = tmp_path / "dask"
    run = subprocess.Popen(batch(folder, out, "--scheduler", cluster.address, "--quiet"), cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: final_statuses(out), 120, "a first submission to finish")
    cluster.kill(cluster.scheduler)
    stdout, stderr = run.communicate(timeout=300)
    assert run.returncode == 2, stdout + stderr
    assert "run the same command again" in stdout
    # Finished: a final status. A submission in flight when the scheduler went has
    # a status too ("grader error"), which a re-run tries again.
    finished = final_statuses(out)
    assert finished and len(finished) < 5
    stamps = {name: (out / name / "status.json").stat().st_mtime_ns for name in finished}
    # The same scheduler address comes back (with fresh workers): the re-run grades the rest only.
    for proc in cluster.workers.values():
        if proc.poll() is None:
            cluster.kill(proc)
    cluster.start_scheduler()
    cluster.start_workers(2)
    again = subprocess.run(batch(folder, out, "--scheduler", cluster.address), cwd=ROOT, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 1, again.stdout + again.stderr
    assert "(%d now, %d up to date)" % (5 - len(finished), len(finished)) in again.stdout, again.stdout
    assert all((out / name / "status.json").stat().st_mtime_ns == stamps[name] for name in finished)
    assert grades_of(out) == grades_of(local_out)

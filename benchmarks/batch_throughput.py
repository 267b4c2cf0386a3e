"""Batch throughput: submissions per minute of `grade-batch` at --jobs 1 and 2, locally and through Dask.

    .venv/bin/python benchmarks/batch_throughput.py [--copies 8] [--runs 3] [-k "not overfit"] [--no-dask]
    .venv/bin/python benchmarks/batch_throughput.py --many 200 --runs 1 --no-dask   # one 200-submission run

The batch: --copies copies of solutions/<assignment> plus a few mutants
(TASK.grading_module("quality.mutants")). Each run grades the whole batch into a
fresh output folder (no cached grades) with `python -m autograder
grade-batch`, timed from the command's start to its end (the class summary
included). Through Dask, a `dask scheduler` and 1 or 2 `dask worker`
processes (--nthreads 1) on 127.0.0.1 stand in for a cluster: "jobs" is then
the number of workers. Prints the median over --runs and the spread.
Not part of the test suite (minutes of grading).
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import assignment  # noqa: E402

MUTANTS = ["rnn_step_backward_no_tanh_derivative", "word_embedding_backward_no_accumulation"]


def make_batch(folder, copies, mutant_names):
    task = assignment.load()
    solutions = ROOT / "solutions" / task.id
    mutants = task.grading_module("quality.mutants")
    ignore = shutil.ignore_patterns("__pycache__", "*.ipynb")
    for i in range(copies):
        shutil.copytree(solutions, folder / ("copy%03d" % i) / task.id, ignore=ignore)
    for name in mutant_names:
        mutants.make_mutant(solutions, folder / ("mutant_" + name) / task.id, name)
    return copies + len(mutant_names)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, workers, logs):
        self.port, self.procs = free_port(), []
        self.address = "tcp://127.0.0.1:%d" % self.port
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        log = open(logs / "dask.log", "ab")
        start = [sys.executable, "-m", "dask"]
        self.procs.append(subprocess.Popen(start + ["scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                                    "--no-dashboard"], cwd=ROOT, env=env, stdout=log,
                                           stderr=subprocess.STDOUT))
        for _ in range(workers):
            self.procs.append(subprocess.Popen(start + ["worker", self.address, "--nthreads", "1", "--no-nanny",
                                                        "--no-dashboard", "--host", "127.0.0.1"],
                                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        from distributed import Client
        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()


def timed_batch(folder, work, jobs, select, scheduler=None):
    out = Path(tempfile.mkdtemp(prefix="out-", dir=work))
    command = [sys.executable, "-m", "autograder", "grade-batch", str(folder), "--out", str(out),
               "--jobs", str(jobs), "--quiet"]
    if select:
        command += ["-k", select]
    if scheduler:
        command += ["--scheduler", scheduler]
    started = time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit("grade-batch failed (%d):\n%s%s" % (proc.returncode, proc.stdout, proc.stderr))
    shutil.rmtree(out, ignore_errors=True)
    return seconds


def measure(label, folder, work, n, jobs, select, runs, scheduler=None):
    times = [timed_batch(folder, work, jobs, select, scheduler) for _ in range(runs)]
    rates = [60 * n / t for t in times]
    print("%-6s jobs %d: %6.1f submissions/min (median of %d; %.1f-%.1f), %.1f s per batch of %d"
          % (label, jobs, statistics.median(rates), runs, min(rates), max(rates), statistics.median(times), n),
          flush=True)
    return statistics.median(rates)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="copies of the solutions in the batch")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-k", dest="select", default="not overfit", help="checks graded (default: %(default)s)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-dask", action="store_true", help="local batches only")
    parser.add_argument("--many", type=int, help="instead: one batch of this many submissions, --jobs 2, locally")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="batch-throughput-"))
    try:
        folder = work / "submitted"
        if args.many:
            n = make_batch(folder, args.many - len(MUTANTS), MUTANTS)
            print("%d submissions (-k %r), one grade-batch run, --jobs 2, %d cores" % (n, args.select, os.cpu_count()))
            seconds = timed_batch(folder, work, 2, args.select)
            print("%d submissions in %.0f s: %.1f submissions/min" % (n, seconds, 60 * n / seconds))
            return
        n = make_batch(folder, args.copies, MUTANTS)
        print("batch: %d copies of the solutions + %d mutants, -k %r, %d cores"
              % (args.copies, len(MUTANTS), args.select, os.cpu_count()), flush=True)
        for jobs in args.jobs:
            measure("local", folder, work, n, jobs, args.select, args.runs)
        if not args.no_dask:
            for jobs in args.jobs:
                cluster = Cluster(jobs, work)
                try:
                    measure("dask", folder, work, n, jobs, args.select, args.runs, cluster.address)
                finally:
                    cluster.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

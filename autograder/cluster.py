"""`grade-batch --scheduler tcp://HOST:PORT`: the same per-submission grading on a Dask cluster.

Imported only with --scheduler (Dask is not needed otherwise). Each task runs
on a worker exactly what a local batch runs: `python -m autograder grade` in
a fresh interpreter with its own sandbox, in the worker's copy of the kit.
Nothing assumes a shared file system: the client sends the submission's
bytes (a zip as it is; a folder as a zip of its .py, .ipynb and .zip files,
all the grader reads), the worker sends back the reports, and the client
writes them where a local batch writes them, then the submission's
status.json. A task whose worker dies is run again on another worker by the
scheduler (at most `distributed.scheduler.allowed-failures` times); a lost
scheduler stops the run after the submissions already finished were
written: a re-run grades only the rest.

A worker whose kit differs from the client's (another version of the grading
code, reference or rubric) refuses the task: grades from two kits never mix.
"""
import io
import json
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

from .batch_status import GRADER_ERROR, REPORT_FILES, BatchCannotRun, BatchStopped, forget, status_from_run

SEND_SUFFIXES = {".py", ".ipynb", ".zip"}
SKIPPED_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX"}
MAX_PAYLOAD_BYTES = 200 << 20
CONNECT_TIMEOUT = 10            # seconds to reach the scheduler at the start
WORKER_TIMEOUT = 60            # seconds to wait for a first worker
LOST_TIMEOUT = 30               # seconds without a scheduler before the run stops
POLL_SECONDS = 0.2
STOP_POLL_SECONDS = 0.5         # how often a worker's grading looks for the batch's stop
STOP_GRACE_SECONDS = 3          # a stopped grader's time to close its sandboxes before SIGKILL


class ClusterGone(Exception):
    """The scheduler went away during the run (what finished is written)."""


# ------------------------------------------------------------ worker side
def _die_with_parent():
    """In the grader's child: die when the worker (its parent) dies (Linux)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _unpack(kind, payload, name, folder):
    """The submission on the worker's disk, shaped as on the client's."""
    if kind == "folder":
        target = folder / name
        target.mkdir(parents=True)
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            for info in archive.infolist():
                relative = Path(*[part for part in info.filename.split("/") if part not in ("", ".", "..")])
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(archive.read(info))
        return target
    target = folder / name
    target.write_bytes(payload)
    return target


def _stopped(stop_name):
    """Whether the batch's client set its stop event (a Dask Event, looked up from the task)."""
    if not stop_name:
        return False
    try:
        from distributed import Event
        return Event(stop_name).is_set()
    except Exception:           # no scheduler to ask: the worker's own end kills the grader
        return False


def _run_until_stopped(command, stop_name):
    """subprocess.run(command) in its own session, ended (SIGTERM, then SIGKILL) when the
    batch stops; returns (returncode or None when stopped, stderr)."""
    from .grade import grader_environment
    from .paths import KIT_ROOT
    proc = subprocess.Popen(command, cwd=KIT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=grader_environment(), start_new_session=True, preexec_fn=_die_with_parent)
    while True:
        try:
            _, stderr = proc.communicate(timeout=STOP_POLL_SECONDS)
            return proc.returncode, stderr
        except subprocess.TimeoutExpired:
            if not _stopped(stop_name):
                continue
        for signum, wait in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, 30)):
            try:
                os.killpg(proc.pid, signum)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.communicate(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        return None, "stopped with the batch"


def grade_remote(name, kind, payload, select, isolation, client_kit, label=None, stop_name=None, assignment=None,
                 earlier=None):
    """Runs on a Dask worker: grade one submission with the worker's kit, return its reports
    (returncode None: not graded). stop_name: the batch's stop event; assignment: the batch's
    (an id under the worker's source/, or a folder), None for the worker's default; earlier:
    the bytes of an earlier grading's checks.json (regrade.py)."""
    from uploads.layout import resolve_assignment

    from .assignment import load
    from .grade import grade_command
    from .versions import kit_version
    started = time.monotonic()
    here = "%s (pid %d)" % (socket.gethostname(), os.getpid())
    try:
        folder = resolve_assignment(assignment) if assignment else None
        worker_kit = kit_version(load(folder) if folder else None)
    except (LookupError, RuntimeError, OSError) as exc:
        return {"returncode": None, "files": {}, "where": here, "seconds": 0.0,
                "stderr": "the worker cannot load the batch's assignment: %s" % exc}
    if _stopped(stop_name):
        return {"returncode": None, "files": {}, "where": here, "seconds": 0.0, "stderr": "stopped with the batch"}
    if worker_kit != client_kit:
        return {"returncode": None, "files": {}, "where": here, "seconds": 0.0,
                "stderr": "the worker's kit (%s) differs from the batch's (%s): install the same kit on every "
                          "worker" % (worker_kit, client_kit)}
    with tempfile.TemporaryDirectory(prefix="autograder-remote-") as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        submission = _unpack(kind, payload, name, tmp / "in")
        out, record = tmp / "out", None
        if earlier:
            record = tmp / "earlier.json"
            record.write_bytes(earlier)
        returncode, stderr = _run_until_stopped(grade_command(submission, out, select, isolation, lanes=1,
                                                              label=label, assignment=folder, earlier=record),
                                                stop_name)
        files = {file: (out / file).read_bytes() for file in REPORT_FILES if (out / file).is_file()}
    return {"returncode": returncode, "stderr": stderr[-4000:], "files": files, "where": here,
            "seconds": time.monotonic() - started}


# ------------------------------------------------------------ client side
def pack(path):
    """(kind, name on the worker, bytes) for one submission."""
    path = Path(path)
    if not path.is_dir():
        if path.stat().st_size > MAX_PAYLOAD_BYTES:
            raise ValueError("%s is over %d MB" % (path.name, MAX_PAYLOAD_BYTES >> 20))
        return "file", path.name, path.read_bytes()
    buffer, total = io.BytesIO(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not os.path.islink(os.path.join(folder, d)))
            for file in sorted(files):
                full = Path(folder, file)
                if full.suffix not in SEND_SUFFIXES or full.is_symlink() or not full.is_file():
                    continue
                total += full.stat().st_size
                if total > MAX_PAYLOAD_BYTES:
                    raise ValueError("its files add up to over %d MB" % (MAX_PAYLOAD_BYTES >> 20))
                archive.write(full, full.relative_to(path).as_posix())
    return "folder", path.name, buffer.getvalue()


def _write_reports(out_dir, files):
    """The worker's reports, in place of any earlier ones (none left from an older grading)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in REPORT_FILES:
        path = out_dir / name
        if name in files:
            path.write_bytes(files[name])
        elif path.exists():
            path.unlink()


def connect(scheduler):
    """A Client of the scheduler with at least one worker, or BatchCannotRun (one line)."""
    try:
        from distributed import Client
        # distributed logs every failed reconnection with a traceback; the run says it in one line.
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
    except ImportError:
        raise BatchCannotRun("--scheduler needs Dask distributed on this machine: "
                             "pip install 'dask[distributed]'") from None
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise BatchCannotRun("cannot reach the Dask scheduler at %s (%s)"
                             % (scheduler, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from None
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except (OSError, TimeoutError):
        client.close()
        raise BatchCannotRun("the Dask scheduler at %s has no worker (waited %d s): start `dask worker %s` "
                             "on the grading machines" % (scheduler, WORKER_TIMEOUT, scheduler)) from None
    return client


def _outcome(future):
    """(status, reason, seconds, where) of a finished future."""
    from distributed import KilledWorker
    try:
        reply = future.result()
    except KilledWorker:
        return GRADER_ERROR, "its grading took down every worker that ran it", 0.0, "cluster"
    except Exception as exc:        # a task error (the worker's environment): that submission only
        return GRADER_ERROR, "on the cluster: %s: %s" % (type(exc).__name__, exc), 0.0, "cluster"
    if reply["returncode"] is None:
        return GRADER_ERROR, reply["stderr"], reply["seconds"], reply["where"]
    status, reason = status_from_run(reply["returncode"], reply["stderr"], results_in(reply["files"]))
    return status, reason, reply["seconds"], reply["where"], reply["files"]


def results_in(files):
    """The results.json among a remote grading's files, read; None when it wrote none or it is broken."""
    try:
        return json.loads(files["results.json"])
    except (KeyError, ValueError):
        return None


def _stop_remote(client, stop_name, running):
    """End the batch's gradings on the workers: set its stop event, give the running ones the
    time to end their graders (their results are dropped), cancel the rest."""
    from distributed import Event
    try:
        Event(stop_name, client=client).set()
        deadline = time.monotonic() + STOP_POLL_SECONDS + STOP_GRACE_SECONDS
        while time.monotonic() < deadline and not all(future.done() for future in running):
            time.sleep(POLL_SECONDS)
        client.cancel(list(running))
    except Exception:           # the scheduler is gone: the workers' graders die with their tasks
        pass


def grade_on_cluster(client, scheduler, todo, out, jobs, select, isolation, kit, record, assignment=None,
                     earlier=None):
    """Grade todo ({student: (path, cache key)}) on the cluster; record(name, (status, reason,
    seconds), where, counts) after each, as it finishes. earlier: {student: an earlier
    grading's checks.json}. Raises ClusterGone when the scheduler is lost (finished
    submissions are recorded)."""
    earlier = earlier or {}
    counts, running = {}, {}
    pending = list(todo.items())
    stop_name = "autograder-stop-%s" % uuid.uuid4().hex
    try:
        threads = sum(client.nthreads().values())
        window = max(jobs, threads) * 2
        lost_since = None
        while pending or running:
            while pending and len(running) < window:
                name, (path, _) = pending.pop(0)
                forget(out / name)
                try:
                    kind, remote_name, payload = pack(path)
                except (OSError, ValueError) as exc:
                    record(name, (GRADER_ERROR, "could not be sent to the cluster: %s" % exc, 0.0), "here", counts)
                    continue
                record_bytes = earlier[name].read_bytes() if earlier.get(name) else None
                future = client.submit(grade_remote, remote_name, kind, payload, select, isolation, kit, str(path),
                                       stop_name, assignment, record_bytes,
                                       key="grade-%s-%s" % (name, uuid.uuid4().hex[:8]), pure=False)
                running[future] = name
            done = [future for future in running if future.done()]
            if not done:
                time.sleep(POLL_SECONDS)
            for future in done:
                name = running.pop(future)
                if future.status == "cancelled":
                    raise ClusterGone("the Dask scheduler at %s went away" % scheduler)
                outcome = _outcome(future)
                if len(outcome) == 5:
                    _write_reports(out / name, outcome[4])
                record(name, outcome[:3], outcome[3], counts)
            if client.status != "running":
                lost_since = lost_since or time.monotonic()
                if time.monotonic() - lost_since > LOST_TIMEOUT:
                    raise ClusterGone("lost the Dask scheduler at %s" % scheduler)
            else:
                lost_since = None
    except BatchStopped:
        _stop_remote(client, stop_name, running)
        raise
    finally:
        try:
            client.close(timeout=5)
        except Exception:           # closing a client whose scheduler is gone
            pass

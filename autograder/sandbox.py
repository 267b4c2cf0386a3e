"""Runs the student's code: a fresh, confined child process per call.

One resident process per sandbox, the zygote (zygote.py), is started inside
the isolation (isolation.py: bubblewrap, an unprivileged uid, or limits
only). It imports the runtime once, then forks one child per call: the child
gets its own copy of the submission, CPU, address-space, process-count and
file-size limits, the sandbox uid, and a wall-clock deadline; afterwards it
and every process of the sandbox uid are killed. Nothing a call leaves
behind (files, module state, environment) reaches the next: each child is a
fork of a zygote that never ran student code, in a fresh copy of the files.
If the zygote itself stops answering, it is killed and started anew.
"""
import json
import math
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import protocol, zygote
from .zygote import cpu_seconds_by_process, process_tree
from .isolation import (UID_RANGE, _python_home, _site_packages, detect_isolation,  # noqa: F401
                        kill_processes_of_uid, lease_uid, protect_secret_dirs)

# The engine's files the child needs; the assignment's operations join them as assignment_ops.py.
CHILD_FILES = ("zygote.py", "child.py", "childlib.py", "protocol.py")
SANDBOX_PRISTINE = "/work/pristine"
SANDBOX_RUNS = "/tmp/runs"
SANDBOX_PYTHON = "/opt/python"
SANDBOX_PYLIB = "/opt/pylib"
SANDBOX_GRADER = "/opt/grader"
ZYGOTE_MARGIN = 10.0   # seconds the zygote may take beyond a call's wall limit before it is presumed dead
BUDGET_TICK = 0.5      # seconds between two looks at the CPU time of a call in flight


@dataclass
class Limits:
    wall_seconds: float = 20.0
    cpu_seconds: int = 20
    memory_bytes: int = 3 << 30       # address space; numpy + BLAS need ~1 GiB of it
    processes: int = 32               # threads count too
    file_bytes: int = 16 << 20
    output_bytes: int = 32 << 10      # kept of stdout and of stderr each
    result_bytes: int = 64 << 20
    # The idle rule (zygote.IdleWatch): a call whose processes use (almost) no CPU
    # time for this long is waiting (sleep, input(), a lock), not computing, and is
    # stopped. Correct code never waits; under load it still gets CPU time.
    idle_seconds: float = 5.0


# What the trusted side takes from a replaced function's question, at the most.
MAX_QUESTION_BYTES = 256 << 20
MAX_ANSWER_BYTES = 256 << 20


def answer_question(oracle, question):
    """The answer (a protocol message) to one question from a child's replaced function.
    The question is decoded as hostile; whatever goes wrong is an error answer, which the
    child's stub raises in the student's code."""
    try:
        arrays, meta = protocol.decode(question, MAX_QUESTION_BYTES)
    except protocol.ProtocolError as exc:
        return protocol.encode({}, {"error": "the question was garbled (%s)" % exc})
    if oracle is None:
        return protocol.encode({}, {"error": "no function is replaced in this run"})
    try:
        answer_meta, answer = oracle(meta, arrays)
        message = protocol.encode(answer, answer_meta)
    except Exception as exc:    # a fault of ours must reach the child as an answer, not hang it
        return protocol.encode({}, {"error": "the trusted side could not answer (%s: %s)"
                                             % (type(exc).__name__, str(exc)[:300])})
    if len(message) > MAX_ANSWER_BYTES:
        return protocol.encode({}, {"error": "the answer is over %d MB" % (MAX_ANSWER_BYTES >> 20)})
    return message


class Budget:
    """The time one grading may give the student's code, shared by its sandboxes.

    It is counted in CPU seconds, which another grading on the same machine
    does not inflate, so the same code gets the same grade under load; a wall
    clock limit of WALL_FACTOR times as long still bounds code that sleeps.
    Calls in flight in other lanes count as they run (live), so lanes running
    side by side cannot together spend more than the budget."""

    WALL_FACTOR = 1.5

    def __init__(self, cpu_seconds, started=None):
        self.cpu_seconds = float(cpu_seconds)
        self.wall_deadline = (time.monotonic() if started is None else started) + self.WALL_FACTOR * self.cpu_seconds
        self.spent = 0.0
        self.live = {}                 # call in flight -> CPU seconds it has used so far
        self._lock = threading.Lock()

    def cpu_left(self):
        with self._lock:
            return self.cpu_seconds - self.spent - sum(self.live.values())

    def track(self, call, cpu_seconds):
        """A call in flight has used cpu_seconds so far; returns whether the budget is spent."""
        with self._lock:
            self.live[call] = cpu_seconds
            return self.spent + sum(self.live.values()) >= self.cpu_seconds

    def wall_left(self):
        return self.wall_deadline - time.monotonic()

    def charge(self, cpu_seconds, call=None):
        """A call finished: its CPU seconds move from in flight to spent."""
        with self._lock:
            self.live.pop(call, None)
            self.spent += cpu_seconds

    def describe(self):
        return ("the time budget of this grading ran out (%.0f s of CPU time for all of your code's runs, "
                "%.0f s on the clock)" % (self.cpu_seconds, self.WALL_FACTOR * self.cpu_seconds))


def cpu_seconds_of(pids):
    """User + system CPU seconds of the processes (those gone are counted when their call ends)."""
    return sum(cpu_seconds_by_process(pids, with_reaped=False).values())


@dataclass
class ChildRun:
    status: str                       # ok | timeout | idle | cpu_limit | crashed | no_reply | bad_reply | reply_too_large |
    #                                   bad_question | budget
    arrays: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    returncode: int = None
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    detail: str = ""
    stuck_in: str = None              # where a run that did not finish was: "function (file, line N)"

    @property
    def ok(self):
        return self.status == "ok"


# faulthandler's dump, innermost frame first: '  File "/tmp/runs/run-3/captioning/rnn_layers.py", line 45 in f'
DUMPED_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<function>\S+)')


def stuck_location(stderr):
    """(function, 'file, line N') of the innermost frame of the student's files in a
    faulthandler dump, or None."""
    for match in DUMPED_FRAME.finditer(stderr or ""):
        path = match.group("file").replace("\\", "/")
        if "/run-" in path and "/opt/grader/" not in path:
            relative = path.split("/run-", 1)[1].split("/", 1)[-1]
            return match.group("function"), "%s, line %s" % (relative, match.group("line"))
    return None


TRACEBACK_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)')
MEMORY_ERROR = re.compile(r"^(\w+\.)*_?\w*MemoryError\b")


def out_of_memory_in(traceback_text):
    """The student's function (innermost frame of the student's files) a MemoryError came
    from, or None when the traceback ends in another error or in no student code."""
    lines = [line.strip() for line in (traceback_text or "").strip().splitlines() if line.strip()]
    if not lines or not MEMORY_ERROR.match(lines[-1]):
        return None
    frames = [match.group("function") for match in TRACEBACK_FRAME.finditer(traceback_text)
              if "/run-" in match.group("file") and "/opt/grader/" not in match.group("file")]
    return frames[-1] if frames else None


class Sandbox:
    """Runs the assignment's child operations on a submission, one call at a time."""

    def __init__(self, scratch_dir, child_ops, isolation=None):
        self.scratch_dir = Path(scratch_dir)
        self.isolation = isolation or detect_isolation()
        self.uid, self._lease = None, None
        self.budget = None              # a Budget: no call starts once it is spent, none runs past it
        self._zygote, self._zygote_log = None, []
        if self.isolation in ("bubblewrap", "unprivileged-user"):
            self.uid, self._lease = lease_uid()
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="autograder-child-"))
        for name in CHILD_FILES:
            shutil.copy2(Path(__file__).with_name(name), self.runtime_dir / name)
        shutil.copy2(child_ops, self.runtime_dir / "assignment_ops.py")
        for path in self.runtime_dir.iterdir():
            os.chmod(path, 0o644)
        os.chmod(self.runtime_dir, 0o755)
        # Outside bubblewrap the fresh copies go next to the scratch copy, in a folder
        # the zygote owns; the uid passes through its parents (x only, no listing).
        self.runs_dir = self.scratch_dir.parent / ("runs-%s" % self.scratch_dir.name)
        if self.isolation != "bubblewrap":
            self.runs_dir.mkdir(mode=0o711, exist_ok=True)
            for parent in [self.runs_dir, *self.runs_dir.parents]:
                info = os.stat(parent)
                if info.st_uid == os.geteuid() and not info.st_mode & 0o001:
                    os.chmod(parent, info.st_mode | 0o001)
        if self.isolation == "unprivileged-user":
            protect_secret_dirs()

    def close(self):
        self._stop_zygote()
        if self.uid is not None:
            kill_processes_of_uid(self.uid)
        if self._lease is not None:
            self._lease.close()   # releases the flock
        shutil.rmtree(self.runtime_dir, ignore_errors=True)
        shutil.rmtree(self.runs_dir, ignore_errors=True)

    # -- the zygote --------------------------------------------------------
    def _command(self):
        zygote_args = []
        if self.isolation == "bubblewrap":
            args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                    "--unshare-cgroup-try", "--die-with-parent", "--new-session",
                    "--ro-bind", "/usr", "/usr"]
            for name in ("bin", "sbin", "lib", "lib64", "lib32"):
                path = Path("/") / name
                if path.is_symlink():
                    args += ["--symlink", os.readlink(path), str(path)]
                elif path.is_dir():
                    args += ["--ro-bind", str(path), str(path)]
            python = Path(SANDBOX_PYTHON) / Path(os.path.realpath(sys.executable)).relative_to(_python_home())
            # bwrap would create the mount points' parent folders as 0700 (unreadable
            # after the uid drop), so create them world-readable first.
            args += ["--perms", "0755", "--dir", "/opt", "--perms", "0755", "--dir", "/work"]
            args += ["--ro-bind", str(_python_home()), SANDBOX_PYTHON,
                     "--ro-bind", str(_site_packages()), SANDBOX_PYLIB,
                     "--ro-bind", str(self.runtime_dir), SANDBOX_GRADER,
                     "--ro-bind", str(self.scratch_dir), SANDBOX_PRISTINE,
                     "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                     "--clearenv"]
            # The interpreter may find libpython through an absolute RUNPATH
            # into its real home (pyenv does), which the sandbox mounts at
            # SANDBOX_PYTHON instead; LD_LIBRARY_PATH is searched first.
            environment = dict(self._environment(), LD_LIBRARY_PATH=SANDBOX_PYTHON + "/lib")
            for name, value in environment.items():
                args += ["--setenv", name, value]
            args += ["--chdir", "/tmp", str(python), "-I", "-S", "-B", SANDBOX_GRADER + "/zygote.py"]
            zygote_args += ["--pylib", SANDBOX_PYLIB, "--pristine", SANDBOX_PRISTINE, "--runs", SANDBOX_RUNS]
        else:
            args = [os.path.realpath(sys.executable), "-I", "-S", "-B", str(self.runtime_dir / "zygote.py")]
            zygote_args += ["--pylib", str(_site_packages()), "--pristine", str(self.scratch_dir),
                            "--runs", str(self.runs_dir)]
        if self.uid is not None:
            zygote_args += ["--drop-uid", str(self.uid)]
        return args + zygote_args

    def _environment(self):
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
        # One BLAS thread: threads count against the process limit, and the
        # grader's timing should not depend on the machine's core count.
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = "1"
        return env

    def _start_zygote(self):
        self._zygote = subprocess.Popen(self._command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=str(self.runtime_dir),
                                        env=self._environment(), start_new_session=True)
        log = self._zygote_log = []
        threading.Thread(target=self._drain, args=(self._zygote.stderr, log), daemon=True).start()

    @staticmethod
    def _drain(stream, log):
        """Keep the zygote's own stderr (its failures, never a student's output) for diagnosis."""
        for line in iter(stream.readline, b""):
            if len(log) < 200:
                log.append(line.decode("utf-8", "replace"))

    def _stop_zygote(self):
        process, self._zygote = self._zygote, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (process.stdin, process.stdout, process.stderr):
            try:
                stream.close()
            except OSError:
                pass

    def _send(self, message):
        try:
            self._zygote.stdin.write(message)
            self._zygote.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def _exchange(self, message, timeout, over_budget=None, oracle=None):
        """Send one frame to the zygote and read its answer, or None if it does not answer in time
        (or over_budget(), asked every BUDGET_TICK seconds, says to stop). A frame the child's
        replaced functions ask (header "oracle") is answered by oracle(question bytes) -> bytes
        on the way, and the wait goes on."""
        process = self._zygote
        if not self._send(message):
            return None, None
        fd = process.stdout.fileno()
        buffer, deadline = bytearray(), time.monotonic() + timeout
        needed = zygote.HEADER.size
        while True:
            if len(buffer) >= needed:
                if needed == zygote.HEADER.size:
                    header_len, payload_len = zygote.HEADER.unpack(bytes(buffer[:needed]))
                    needed += header_len + payload_len
                    if needed > (256 << 20) + (1 << 20):
                        return None, None
                    continue
                header_len, _ = zygote.HEADER.unpack(bytes(buffer[:zygote.HEADER.size]))
                start = zygote.HEADER.size
                header = json.loads(bytes(buffer[start:start + header_len]).decode("utf-8"))
                payload = bytes(buffer[start + header_len:needed])
                if not header.get("oracle"):
                    return header, payload
                del buffer[:needed]
                needed = zygote.HEADER.size
                if not self._send(zygote.frame({}, answer_question(oracle, payload))):
                    return None, None
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                return None, None
            if over_budget is not None and over_budget():
                return None, None
            ready, _, _ = select.select([fd], [], [], min(left, BUDGET_TICK if over_budget else 1.0))
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    return None, None
                buffer += chunk

    # -- one call ----------------------------------------------------------
    def call(self, request_arrays, request_meta, limits=None, oracle=None):
        """Run one request in a fresh child; returns a ChildRun (never raises for student faults).
        oracle(meta, arrays) -> (meta, arrays) answers the child's replaced functions (see
        childlib.replaced_functions), here, on the trusted side."""
        limits = limits or Limits()
        started = time.monotonic()
        wall, cpu = limits.wall_seconds, limits.cpu_seconds
        if self.budget is not None:
            wall = min(wall, self.budget.wall_left())
            cpu = min(cpu, max(int(math.ceil(self.budget.cpu_left())), 0))
            if wall < 0.5 or cpu < 1:
                return ChildRun(status="budget", detail="not run: " + self.budget.describe())
        if self._zygote is None or self._zygote.poll() is not None:
            self._start_zygote()
        header = {"limits": {"wall_seconds": wall, "cpu_seconds": cpu,
                             "memory_bytes": limits.memory_bytes, "processes": limits.processes,
                             "file_bytes": limits.file_bytes, "output_bytes": limits.output_bytes,
                             "result_bytes": limits.result_bytes, "idle_seconds": limits.idle_seconds}}
        call = object()
        answer, reply = self._exchange(zygote.frame(header, protocol.encode(request_arrays, request_meta)),
                                       wall + ZYGOTE_MARGIN, self._budget_watch(call), oracle)
        if answer is None:      # the zygote died or hung, or the budget ran out: start afresh next time
            spent_live = self.budget.live.get(call, 0.0) if self.budget is not None else 0.0
            ran_out = self.budget is not None and self.budget.cpu_left() <= 0
            detail = "".join(self._zygote_log[-5:]).strip()
            self._stop_zygote()
            if self.uid is not None:
                kill_processes_of_uid(self.uid)
            if self.budget is not None:
                self.budget.charge(spent_live, call)
            if ran_out:
                run = ChildRun(status="budget", detail="stopped: " + self.budget.describe())
            else:
                run = ChildRun(status="crashed", detail="the sandbox stopped answering" +
                               (" (%s)" % detail[-300:] if detail else ""))
            run.wall_seconds = time.monotonic() - started
            return run
        run = self._run_from(answer, reply, limits, wall)
        run.wall_seconds = time.monotonic() - started
        run.cpu_seconds = float(answer.get("cpu_seconds", 0.0))
        if self.budget is not None:
            self.budget.charge(run.cpu_seconds, call)
            cut_short = (run.status == "cpu_limit" and cpu < limits.cpu_seconds) or \
                (run.status == "timeout" and wall < limits.wall_seconds)
            if cut_short:
                run.status, run.detail = "budget", "stopped: " + self.budget.describe()
        return run

    def _budget_watch(self, call):
        """None without a budget; else a function that records this call's CPU time so far (its
        processes, not the zygote's) and says whether the budget, all lanes together, is spent."""
        if self.budget is None:
            return None
        pid = self._zygote.pid
        resident = set(process_tree(pid))

        def spent():
            return self.budget.track(call, cpu_seconds_of(set(process_tree(pid)) - resident))
        return spent

    def _run_from(self, answer, reply, limits, wall):
        run = ChildRun(status=answer["status"],
                       stdout=self._text(answer["stdout"], answer["dropped_stdout"]),
                       stderr=self._text(answer["stderr"], answer["dropped_stderr"]),
                       returncode=answer["exit_code"] if answer["signal"] is None else -answer["signal"])
        dumped = "Timeout (" in answer["stderr"] and not reply
        if run.status == "idle":
            run.detail = ("stopped after %.0f s of waiting without computing (it used no CPU time: "
                          "time.sleep, input(), a lock or another process it waits for)" % limits.idle_seconds)
            return self._name_where_stuck(run, answer["stderr"])
        if run.status == "timeout" or dumped:
            run.status = "timeout"
            run.detail = "stopped after the wall-clock limit of %.0f s" % wall
            return self._name_where_stuck(run, answer["stderr"])
        if run.status == "reply_too_large":
            run.detail = "sent more than %d MB back" % (limits.result_bytes >> 20)
            return run
        if run.status == "bad_question":
            run.detail = "wrote something other than a question on the grader's line for replaced functions"
            return run
        if not reply:
            run.status, run.detail = self._why_no_reply(answer, limits)
            return run
        try:
            run.arrays, run.meta = protocol.decode(reply, limits.result_bytes)
        except protocol.ProtocolError as exc:
            run.status, run.detail = "bad_reply", "the reply was garbled (%s)" % exc
        return run

    @staticmethod
    def _name_where_stuck(run, stderr):
        """A run that did not finish: name the student's function it was in (faulthandler's dump)."""
        stuck = stuck_location(stderr)
        if stuck:
            run.stuck_in = stuck[0]
            run.detail += ", while running %s (%s)" % stuck
        return run

    @staticmethod
    def _why_no_reply(answer, limits):
        signum = answer["signal"]
        if signum == signal.SIGXCPU:
            return "cpu_limit", "stopped after the CPU-time limit of %d s" % limits.cpu_seconds
        if signum == signal.SIGXFSZ:
            return "crashed", "wrote a file larger than %d MB" % (limits.file_bytes >> 20)
        if signum == signal.SIGKILL:
            return "crashed", "the process was killed (out of memory or killed itself)"
        if signum is not None:
            return "crashed", "the process died from signal %s" % signal.Signals(signum).name
        return "no_reply", "the process exited (code %s) before returning results" % answer["exit_code"]

    @staticmethod
    def _text(text, dropped):
        if dropped:
            text += "\n... [%d more bytes not shown]" % dropped
        return text

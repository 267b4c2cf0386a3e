"""Runs the student's code: one fresh, confined child process per call.

The isolation level comes from isolation.py. In every level: CPU,
address-space, process-count and file-size rlimits, a wall-clock deadline,
and the whole process group (and every process of the sandbox uid) is killed
after the call.
"""
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import protocol
from .isolation import (UID_RANGE, _python_home, _site_packages, detect_isolation,  # noqa: F401
                        kill_processes_of_uid, lease_uid, protect_secret_dirs)

# The engine's files the child needs; the assignment's operations join them as assignment_ops.py.
CHILD_FILES = ("child.py", "childlib.py", "protocol.py")
SANDBOX_SUBMISSION = "/work/submission"
SANDBOX_PYTHON = "/opt/python"
SANDBOX_PYLIB = "/opt/pylib"
SANDBOX_GRADER = "/opt/grader"


@dataclass
class Limits:
    wall_seconds: float = 20.0
    cpu_seconds: int = 20
    memory_bytes: int = 3 << 30       # address space; numpy + BLAS need ~1 GiB of it
    processes: int = 32               # threads count too
    file_bytes: int = 16 << 20
    output_bytes: int = 32 << 10      # kept of stdout and of stderr each
    result_bytes: int = 64 << 20


@dataclass
class ChildRun:
    status: str                       # ok | timeout | cpu_limit | crashed | no_reply | bad_reply | reply_too_large
    arrays: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    returncode: int = None
    wall_seconds: float = 0.0
    detail: str = ""

    @property
    def ok(self):
        return self.status == "ok"


class Sandbox:
    """Runs child.py on a scratch copy of a submission, one call at a time."""

    def __init__(self, scratch_dir, child_ops, isolation=None):
        self.scratch_dir = Path(scratch_dir)
        self.isolation = isolation or detect_isolation()
        self.uid, self._lease = None, None
        if self.isolation in ("bubblewrap", "unprivileged-user"):
            self.uid, self._lease = lease_uid()
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="autograder-child-"))
        for name in CHILD_FILES:
            shutil.copy2(Path(__file__).with_name(name), self.runtime_dir / name)
        shutil.copy2(child_ops, self.runtime_dir / "assignment_ops.py")
        for path in self.runtime_dir.iterdir():
            os.chmod(path, 0o644)
        os.chmod(self.runtime_dir, 0o755)
        if self.uid is not None:
            for path in [self.scratch_dir, *self.scratch_dir.rglob("*")]:
                os.lchown(path, self.uid, self.uid)
                # Owner only: another submission graded at the same time (another uid) cannot read it.
                os.chmod(path, 0o700 if path.is_dir() else 0o600)
            # Without bubblewrap the uid reaches its scratch through the grader's
            # private temp folders: let it pass through them (x only, no listing).
            for parent in self.scratch_dir.parents:
                info = os.stat(parent)
                if info.st_uid == os.geteuid() and not info.st_mode & 0o001:
                    os.chmod(parent, info.st_mode | 0o001)
        if self.isolation == "unprivileged-user":
            protect_secret_dirs()

    def close(self):
        if self.uid is not None:
            kill_processes_of_uid(self.uid)
        if self._lease is not None:
            self._lease.close()   # releases the flock
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    # -- command line -----------------------------------------------------
    def _command(self, result_fd):
        child_args = ["--result-fd", str(result_fd)]
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
                     "--bind", str(self.scratch_dir), SANDBOX_SUBMISSION,
                     "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                     "--clearenv"]
            # The interpreter may find libpython through an absolute RUNPATH
            # into its real home (pyenv does), which the sandbox mounts at
            # SANDBOX_PYTHON instead; LD_LIBRARY_PATH is searched first.
            environment = dict(self._environment(), LD_LIBRARY_PATH=SANDBOX_PYTHON + "/lib")
            for name, value in environment.items():
                args += ["--setenv", name, value]
            args += ["--chdir", SANDBOX_SUBMISSION,
                     str(python), "-I", "-S", "-B", SANDBOX_GRADER + "/child.py"]
            child_args += ["--pylib", SANDBOX_PYLIB, "--submission", SANDBOX_SUBMISSION]
        else:
            args = [os.path.realpath(sys.executable), "-I", "-S", "-B",
                    str(self.runtime_dir / "child.py")]
            child_args += ["--pylib", str(_site_packages()), "--submission", str(self.scratch_dir)]
        if self.uid is not None:
            child_args += ["--drop-uid", str(self.uid)]
        return args + child_args

    def _environment(self):
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
        # One BLAS thread: threads count against the process limit, and the
        # grader's timing should not depend on the machine's core count.
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = "1"
        return env

    # -- one call ----------------------------------------------------------
    def call(self, request_arrays, request_meta, limits=None):
        """Send one request to a fresh child; returns a ChildRun (never raises for student faults)."""
        limits = limits or Limits()
        request = protocol.encode(request_arrays, request_meta)
        read_fd, write_fd = os.pipe()

        def set_limits():
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        started = time.monotonic()
        try:
            process = subprocess.Popen(
                self._command(write_fd), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, pass_fds=(write_fd,), cwd=str(self.scratch_dir),
                env=self._environment(), preexec_fn=set_limits, start_new_session=True)
        finally:
            os.close(write_fd)
        writer = threading.Thread(target=self._feed, args=(process.stdin, request), daemon=True)
        writer.start()
        try:
            run = self._collect(process, read_fd, limits, started)
        finally:
            self._kill_everything(process)
            os.close(read_fd)
        run.wall_seconds = time.monotonic() - started
        return run

    @staticmethod
    def _feed(stream, data):
        try:
            stream.write(data)
            stream.close()
        except (BrokenPipeError, OSError):
            pass  # the child died or closed stdin early; _collect reports why

    def _collect(self, process, read_fd, limits, started):
        selector = selectors.DefaultSelector()
        buffers = {"stdout": bytearray(), "stderr": bytearray(), "reply": bytearray()}
        caps = {"stdout": limits.output_bytes, "stderr": limits.output_bytes,
                "reply": limits.result_bytes + 1}
        dropped = {"stdout": 0, "stderr": 0, "reply": 0}
        selector.register(process.stdout, selectors.EVENT_READ, "stdout")
        selector.register(process.stderr, selectors.EVENT_READ, "stderr")
        selector.register(read_fd, selectors.EVENT_READ, "reply")
        deadline = started + limits.wall_seconds
        status, exited_at = None, None
        while selector.get_map():
            now = time.monotonic()
            if now > deadline:
                status = "timeout"
                break
            if process.poll() is not None:
                exited_at = exited_at or now
                if now - exited_at > 2.0:   # a leftover process holds a pipe open
                    break
            for key, _ in selector.select(timeout=0.1):
                fd = key.fileobj if isinstance(key.fileobj, int) else key.fileobj.fileno()
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                name = key.data
                room = caps[name] - len(buffers[name])
                buffers[name] += chunk[:max(room, 0)]
                dropped[name] += max(len(chunk) - max(room, 0), 0)
                if name == "reply" and dropped["reply"]:
                    status = "reply_too_large"
                    break
            if status:
                break
        selector.close()
        if status is None:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                status = "timeout"
        run = ChildRun(status=status or "ok", returncode=process.poll(),
                       stdout=self._text(buffers["stdout"], dropped["stdout"]),
                       stderr=self._text(buffers["stderr"], dropped["stderr"]))
        if run.status == "timeout":
            run.detail = "stopped after the wall-clock limit of %.0f s" % limits.wall_seconds
            return run
        if run.status == "reply_too_large":
            run.detail = "sent more than %d MB back" % (limits.result_bytes >> 20)
            return run
        if not buffers["reply"]:
            run.status, run.detail = self._why_no_reply(run.returncode, limits)
            return run
        try:
            run.arrays, run.meta = protocol.decode(bytes(buffers["reply"]), limits.result_bytes)
        except protocol.ProtocolError as exc:
            run.status, run.detail = "bad_reply", "the reply was garbled (%s)" % exc
        return run

    @staticmethod
    def _why_no_reply(returncode, limits):
        # bwrap reports a signal death of its child as 128 + signal number.
        signum = -returncode if returncode is not None and returncode < 0 else (
            returncode - 128 if returncode is not None and returncode > 128 else None)
        if signum in (signal.SIGXCPU,):
            return "cpu_limit", "stopped after the CPU-time limit of %d s" % limits.cpu_seconds
        if signum == signal.SIGXFSZ:
            return "crashed", "wrote a file larger than %d MB" % (limits.file_bytes >> 20)
        if signum == signal.SIGKILL:
            return "crashed", "the process was killed (out of memory or killed itself)"
        if signum is not None:
            return "crashed", "the process died from signal %s" % signal.Signals(signum).name
        return "no_reply", "the process exited (code %s) before returning results" % returncode

    @staticmethod
    def _text(data, dropped):
        text = bytes(data).decode("utf-8", errors="replace")
        if dropped:
            text += "\n... [%d more bytes not shown]" % dropped
        return text

    def _kill_everything(self, process):
        """Kill the child's process group, then any process still running as the sandbox uid."""
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.uid is not None:
            kill_processes_of_uid(self.uid)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (process.stdin, process.stdout, process.stderr):
            try:
                stream.close()
            except OSError:
                pass



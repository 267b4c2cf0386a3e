"""The sandbox's resident process: imports the runtime once, then forks one
fresh child per request. Runs INSIDE the sandbox, started as

    python -I -S -B zygote.py --pylib DIR --pristine DIR --runs DIR [--drop-uid U]

It reads requests from stdin and writes responses to stdout, each a frame
(see `frame`). Per request it makes a fresh copy of the pristine submission
(so nothing a check writes reaches the next), forks, and in the child sets
the request's resource limits, drops to the sandbox uid, and runs child.py's
`run_request` on that copy. It collects the child's stdout, stderr and reply
(each capped), waits for it within the request's wall-clock limit, kills it
and every process of the sandbox uid, and answers with what happened.

Trust: nothing secret here; the child's output is only ever copied as bytes.
The grader validates every reply (protocol.decode) on its own side.
"""
import json
import os
import resource
import select
import shutil
import signal
import struct
import sys
import time
from collections import deque

HEADER = struct.Struct("<II")
PRELOAD = ("json", "math", "copy", "collections", "functools", "itertools", "random", "time", "warnings",
           "numpy.linalg", "numpy.random", "urllib.request", "tempfile", "pickle", "glob", "re",
           "string", "struct", "io", "shutil", "subprocess", "signal", "socket", "threading", "textwrap",
           "operator", "dataclasses", "typing", "inspect", "ctypes", "multiprocessing", "faulthandler")
GRACE_SECONDS = 2.0   # after the child exits, how long a leftover may hold its pipes open
# The idle rule (Limits.idle_seconds says how long): a call whose processes gain
# less than IDLE_CPU_SECONDS of CPU time over that much wall time is waiting
# (sleep, input(), a lock), not computing, and is stopped. Code that computes
# gains CPU time even on a loaded machine (a runnable process still gets its
# share), so the rule reads CPU time, never the processes' states.
IDLE_CPU_SECONDS = 0.05
IDLE_TICK = 0.5       # seconds between two looks at a call's CPU time
STALL_SECONDS = 2.0   # a longer gap between two looks: the zygote itself did not run, so neither did anything
DUMP_SIGNAL = signal.SIGUSR1   # asks an idle child to write where it is (faulthandler), before it is killed
DUMP_WAIT_SECONDS = 2.0        # how long the child gets to write it
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def frame(header, payload=b""):
    data = json.dumps(header).encode("utf-8")
    return HEADER.pack(len(data), len(payload)) + data + payload


def _read_exactly(stream, size):
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(stream, max_bytes=1 << 31):
    """(header dict, payload bytes), or (None, None) at the end of the stream."""
    head = _read_exactly(stream, HEADER.size)
    if head is None:
        return None, None
    header_len, payload_len = HEADER.unpack(head)
    if header_len > (1 << 20) or payload_len > max_bytes:
        raise ValueError("frame too large")
    header = json.loads(_read_exactly(stream, header_len) or b"{}")
    payload = _read_exactly(stream, payload_len) if payload_len else b""
    return header, payload


def _parse_argv(argv):
    return {flag.lstrip("-").replace("-", "_"): value for flag, value in zip(argv[::2], argv[1::2])}


def processes_of_uid(uid):
    """The pids of the processes whose real uid is uid (a child's leftovers, double-forked ones too)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/status" % entry) as f:
                line = next(text for text in f if text.startswith("Uid:"))
            if int(line.split()[1]) == uid:
                found.append(int(entry))
        except (OSError, StopIteration, ValueError):
            continue
    return found


def is_zombie(pid):
    """Whether pid has exited and only waits to be reaped (nothing left to kill)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def kill_uid(uid):
    """SIGKILL every process whose real uid is uid (leftovers a child double-forked)."""
    for _ in range(3):
        found = False
        for pid in processes_of_uid(uid):
            if is_zombie(pid):
                continue
            try:
                os.kill(pid, signal.SIGKILL)
                found = True
            except OSError:
                continue
        if not found:
            return
        time.sleep(0.02)


def process_tree(pid):
    """pid and every descendant of it that is alive (Linux /proc)."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            for task in os.listdir("/proc/%d/task" % current):
                with open("/proc/%d/task/%s/children" % (current, task)) as f:
                    stack += [int(child) for child in f.read().split()]
        except (OSError, ValueError):
            continue
    return found


def cpu_seconds_by_process(pids, with_reaped=True):
    """{pid: CPU seconds} of each process, user + system: its own and, with_reaped,
    those of the children it has reaped (so the CPU time of a helper that exited
    is not lost)."""
    seconds = {}
    last = 15 if with_reaped else 13
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            # utime, stime, cutime, cstime: fields 14 to 17 of stat
            seconds[pid] = sum(int(value) for value in fields[11:last]) / CLOCK_TICKS
        except (OSError, ValueError, IndexError):
            continue
    return seconds


class IdleWatch:
    """Tells when a call has waited without computing for idle_seconds of wall time:
    its processes (the child's tree, and every process of the sandbox uid, which
    catches those that left the tree) gained under IDLE_CPU_SECONDS of CPU time
    over the last idle_seconds. Looks every IDLE_TICK seconds."""

    def __init__(self, pid, uid, idle_seconds):
        self.pid, self.uid, self.idle_seconds = pid, uid, idle_seconds
        self.seen = {}           # pid -> its CPU seconds at the previous look
        self.gained = 0.0        # CPU seconds the call's processes gained since the first look
        self.looks = deque()     # (time, gained) of the looks that the window still needs
        self.next_look = 0.0

    def restart(self):
        """Start the window afresh: the call waited for something outside it (the grader)."""
        self.looks.clear()

    def processes(self):
        pids = set(process_tree(self.pid))
        if self.uid is not None:
            pids.update(processes_of_uid(self.uid))
        return pids

    def _cpu_gained_since_last_look(self):
        # Per process and never negative: a process that exits (or a reused pid)
        # takes nothing away from what the call has gained.
        now = cpu_seconds_by_process(self.processes())
        gained = sum(max(seconds - self.seen.get(pid, 0.0), 0.0) for pid, seconds in now.items())
        self.seen = now
        return gained

    def waiting(self, now):
        """Whether the call has been idle for idle_seconds (False between two looks)."""
        if now < self.next_look:
            return False
        self.next_look = now + IDLE_TICK
        if self.looks and now - self.looks[-1][0] > STALL_SECONDS:
            self.looks.clear()      # the machine stalled us all: that gap proves nothing
        self.gained += self._cpu_gained_since_last_look()
        self.looks.append((now, self.gained))
        # Keep the newest look that is at least idle_seconds old: the window's start.
        while len(self.looks) > 1 and now - self.looks[1][0] >= self.idle_seconds:
            self.looks.popleft()
        started, gained_then = self.looks[0]
        return now - started >= self.idle_seconds and self.gained - gained_then < IDLE_CPU_SECONDS


def fresh_copy(pristine, runs, number, uid):
    """A private, writable copy of the submission for one child."""
    target = os.path.join(runs, "run-%d" % number)
    shutil.copytree(pristine, target, symlinks=False)
    if uid is not None:
        for dirpath, dirnames, filenames in os.walk(target):
            for name in [dirpath] + [os.path.join(dirpath, n) for n in dirnames + filenames]:
                os.lchown(name, uid, uid)
                os.chmod(name, 0o700 if os.path.isdir(name) else 0o600)
    return target


def child_main(limits, request_bytes, result_fd, out_fd, err_fd, run_dir, uid, question_fd=None, answer_fd=None):
    """In the forked child: confine, then run the request on run_dir. Never returns.
    question_fd / answer_fd: the child's line to the trusted side (OracleRelay)."""
    code = 0
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        kept = sorted(fd for fd in (result_fd, question_fd, answer_fd) if fd is not None)
        for low, high in zip([3] + [fd + 1 for fd in kept], kept + [1 << 16]):
            os.closerange(low, high)
        for name, value in (("RLIMIT_CPU", (limits["cpu_seconds"], limits["cpu_seconds"] + 1)),
                            ("RLIMIT_AS", (limits["memory_bytes"],) * 2),
                            ("RLIMIT_NPROC", (limits["processes"],) * 2),
                            ("RLIMIT_FSIZE", (limits["file_bytes"],) * 2),
                            ("RLIMIT_CORE", (0, 0))):
            resource.setrlimit(getattr(resource, name), value)
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        os.chdir(run_dir)
        sys.path.append(run_dir)
        import faulthandler
        # Where a run that will not finish is stuck, in its stderr, just before the limit.
        faulthandler.dump_traceback_later(max(limits["wall_seconds"] - 0.5, 0.1), exit=True)
        # And at once when the zygote asks (the idle rule): a C-level handler, so it
        # writes even while the student's code sleeps or waits with SIGTERM ignored.
        faulthandler.register(DUMP_SIGNAL, all_threads=True)
        import child
        import childlib
        import protocol
        import assignment_ops
        if question_fd is not None:
            childlib.ORACLE = childlib.PipeOracle(question_fd, answer_fd)
        arrays, request = protocol.decode(request_bytes, max_bytes=1 << 30)
        reply, fatal = child.run_request(request, arrays, assignment_ops, request["package"], run_dir)
        try:
            message = protocol.encode(reply, {"errors": reply.errors, "fatal": fatal, "warnings": reply.warnings,
                                              "notes": reply.notes})
        except BaseException as exc:
            message = protocol.encode({}, {"errors": {}, "fatal": "results could not be sent: %s" % exc})
        view = memoryview(message)
        while view:
            view = view[os.write(result_fd, view):]
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # the student may have closed or replaced it
                pass
    except BaseException:
        code = 70
    os._exit(code)


class OracleRelay:
    """Carries a child's questions to the grader and the grader's answers back.

    A replaced function in the child (childlib.PipeOracle) writes a question,
    an 8-byte length and a protocol message, on its question pipe. The relay
    sends it to the grader as a frame with {"oracle": true}, reads the grader's
    answer frame from stdin, and writes it to the child's answer pipe, without
    ever blocking on a child that does not read it. The child's questions are
    only copied as bytes: the grader decodes them as hostile."""

    LENGTH = struct.Struct("<Q")
    MAX_BYTES = 256 << 20

    def __init__(self, question_fd, answer_fd, grader_in, grader_out, idle=None):
        self.question_fd, self.answer_fd = question_fd, answer_fd
        self.grader_in, self.grader_out, self.idle = grader_in, grader_out, idle
        self.buffer, self.pending, self.broken = bytearray(), b"", None
        os.set_blocking(answer_fd, False)

    def feed(self, chunk):
        """Bytes from the question pipe; every whole question is asked at once."""
        self.buffer += chunk
        while len(self.buffer) >= self.LENGTH.size and self.broken is None:
            (size,) = self.LENGTH.unpack(bytes(self.buffer[:self.LENGTH.size]))
            if size > self.MAX_BYTES:
                self.broken = "asked a question of %d bytes (the limit is %d)" % (size, self.MAX_BYTES)
                return
            end = self.LENGTH.size + size
            if len(self.buffer) < end:
                return
            question = bytes(self.buffer[self.LENGTH.size:end])
            del self.buffer[:end]
            self.grader_out.write(frame({"oracle": True}, question))
            self.grader_out.flush()
            header, answer = read_frame(self.grader_in)
            if header is None:
                raise EOFError("the grader went away")
            self.pending += self.LENGTH.pack(len(answer)) + answer
            if self.idle is not None:
                self.idle.restart()     # the child waited for the grader, not for itself

    def flush(self):
        """Write what the child has not read yet, as much as its pipe takes now."""
        if self.pending:
            try:
                written = os.write(self.answer_fd, self.pending[:1 << 20])
            except BlockingIOError:
                return
            except OSError:      # the child closed its end: nothing more to give it
                self.pending = b""
                return
            self.pending = self.pending[written:]


def collect(pid, pipes, caps, wall_seconds, idle=None, relay=None):
    """Read the child's pipes (capped) until they close, the deadline, or (with an
    IdleWatch) the child is found idle and has written where it waits; returns
    (buffers, dropped byte counts, status, wait status). With a relay, questions
    on pipes["question"] go to the grader and its answers back to the child."""
    buffers = {name: bytearray() for name in pipes}
    dropped = {name: 0 for name in pipes}
    open_fds = {fd: name for name, fd in pipes.items()}
    deadline = time.monotonic() + wall_seconds
    status, exited, exited_at = None, None, None
    dump = None      # a DumpRequest once the child was found idle
    while open_fds:
        if relay is not None and relay.broken:
            status = "bad_question"
            break
        now = time.monotonic()
        if dump is not None and dump.written(buffers["stderr"], dropped["stderr"], now):
            status = "idle"
            break
        if now > deadline:
            status = "timeout"
            break
        if exited is None:
            done, wait_status = os.waitpid(pid, os.WNOHANG)
            if done:
                exited, exited_at = wait_status, now
        if exited_at is not None and now - exited_at > GRACE_SECONDS:
            break
        if dump is None and exited is None and idle is not None and idle.waiting(now):
            dump = DumpRequest(pid, buffers["stderr"], dropped["stderr"], now)
        writing = [relay.answer_fd] if relay is not None and relay.pending else []
        ready, writable, _ = select.select(list(open_fds), writing, [], 0.05)
        if writable:
            relay.flush()
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            name = open_fds[fd]
            if not chunk:
                del open_fds[fd]
                continue
            if name == "question":
                relay.feed(chunk)
                continue
            room = max(caps[name] - len(buffers[name]), 0)
            buffers[name] += chunk[:room]
            dropped[name] += len(chunk) - min(len(chunk), room)
            if name == "stderr" and dump is not None:
                dump.last_output = time.monotonic()
        if dropped["reply"]:
            status = "reply_too_large"
            break
    if dump is not None and status is None:
        status = "idle"      # it closed its pipes or exited while writing: it was still stopped for waiting
    return buffers, dropped, status, exited


class DumpRequest:
    """An idle child asked (DUMP_SIGNAL) to write its traceback to stderr; done once
    something came and then nothing for a moment, or after DUMP_WAIT_SECONDS."""

    QUIET_SECONDS = 0.2

    def __init__(self, pid, stderr, dropped, now):
        self.asked_at, self.last_output = now, None
        self.size_before = len(stderr) + dropped
        try:
            os.kill(pid, DUMP_SIGNAL)
            os.kill(pid, signal.SIGCONT)    # a child that stopped itself writes it too
        except OSError:
            pass

    def written(self, stderr, dropped, now):
        came = len(stderr) + dropped > self.size_before and self.last_output is not None
        return (came and now - self.last_output > self.QUIET_SECONDS) or now - self.asked_at > DUMP_WAIT_SECONDS


def _children_cpu_seconds():
    """CPU time (user + system) of every child reaped so far, the grandchildren they reaped included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def serve(options):
    uid = int(options["drop_uid"]) if options.get("drop_uid") else None
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    number = 0
    while True:
        header, payload = read_frame(stdin)
        if header is None:
            return
        number += 1
        limits = header["limits"]
        run_dir = fresh_copy(options["pristine"], options["runs"], number, uid)
        pipes = {}
        ends = {}
        for name in ("stdout", "stderr", "reply", "question"):
            ends[name] = os.pipe()
            pipes[name] = ends[name][0]
        answer_read, answer_write = os.pipe()     # the grader's answers, to the child
        started = time.monotonic()
        spent_before = _children_cpu_seconds()
        pid = os.fork()
        if pid == 0:
            for name in ends:
                os.close(ends[name][0])
            os.close(answer_write)
            child_main(limits, payload, ends["reply"][1], ends["stdout"][1], ends["stderr"][1], run_dir, uid,
                       ends["question"][1], answer_read)
        for name in ends:
            os.close(ends[name][1])
        os.close(answer_read)
        caps = {"stdout": limits["output_bytes"], "stderr": limits["output_bytes"],
                "reply": limits["result_bytes"] + 1, "question": 0}
        idle = IdleWatch(pid, uid, limits["idle_seconds"]) if limits.get("idle_seconds") else None
        relay = OracleRelay(pipes["question"], answer_write, stdin, stdout, idle)
        try:
            buffers, dropped, status, exited = collect(pid, pipes, caps, limits["wall_seconds"], idle, relay)
        finally:
            os.close(answer_write)
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if exited is None:
            # Reaped before the sweep: an unreaped child is a zombie of the sandbox
            # uid, which the sweep would wait for in vain.
            try:
                _, exited = os.waitpid(pid, 0)
            except ChildProcessError:
                exited = None
        if uid is not None:
            kill_uid(uid)
        for fd in pipes.values():
            os.close(fd)
        shutil.rmtree(run_dir, ignore_errors=True)
        answer = {"status": status or "ok", "seconds": time.monotonic() - started,
                  "cpu_seconds": _children_cpu_seconds() - spent_before,
                  "exit_code": os.WEXITSTATUS(exited) if exited is not None and os.WIFEXITED(exited) else None,
                  "signal": os.WTERMSIG(exited) if exited is not None and os.WIFSIGNALED(exited) else None,
                  "stdout": buffers["stdout"].decode("utf-8", "replace"), "dropped_stdout": dropped["stdout"],
                  "stderr": buffers["stderr"].decode("utf-8", "replace"), "dropped_stderr": dropped["stderr"]}
        stdout.write(frame(answer, bytes(buffers["reply"])))
        stdout.flush()


def main(argv):
    options = _parse_argv(argv)
    # -I leaves the script's own folder off sys.path; the kit's child files sit there.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.path.append(options["pylib"])
    import numpy  # noqa: F401  (imported once, before any submission is on sys.path)
    # Modules the package and typical student code use, imported while the
    # runtime is still readable: in the fallback isolation the interpreter's
    # own folder may be unreadable to the unprivileged uid.
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    import child  # noqa: F401
    import childlib  # noqa: F401
    import protocol  # noqa: F401
    import assignment_ops  # noqa: F401
    os.makedirs(options["runs"], exist_ok=True)
    serve(options)


if __name__ == "__main__":
    main(sys.argv[1:])

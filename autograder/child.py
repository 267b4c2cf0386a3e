"""The program that runs INSIDE the sandbox and calls the student's code.

It is started as `python -I -S child.py --result-fd N --pylib DIR --submission DIR
[--drop-uid U]`, reads one request (protocol.encode format) from stdin, calls
the student's package through the assignment's child operations
(`assignment_ops.py`, copied next to it: its OPERATIONS table maps an op name
to a function), and writes one reply to fd N.

Trust: this file knows nothing secret. It never sees reference outputs,
tolerances or points; it only runs the student's functions on the inputs it is
given and sends back whatever numeric arrays they return. Everything it sends
is re-validated and compared on the trusted side, so a student who tampers
with this process can at worst send wrong numbers. It imports nothing from
the kit except the files copied next to it (protocol, childlib, assignment_ops).
"""
import os
import sys

PRELOAD = ("json", "math", "copy", "collections", "functools", "itertools", "random", "time", "warnings",
           "h5py", "numpy.linalg", "numpy.random", "urllib.request", "tempfile", "pickle", "glob", "re",
           "string", "struct", "io", "shutil", "subprocess", "signal", "socket", "threading", "textwrap",
           "operator", "dataclasses", "typing", "inspect", "ctypes", "multiprocessing")


def _parse_argv(argv):
    options = {}
    for flag, value in zip(argv[::2], argv[1::2]):
        options[flag.lstrip("-").replace("-", "_")] = value
    return options


def probe(request, student, reply, root):
    """Import each module of request["probe"] on its own; a failure is that module's error."""
    import childlib
    for dotted in request["probe"]:
        try:
            student.module(dotted)
        except BaseException as exc:
            reply.errors[dotted] = childlib.describe_import_failure(exc, root)


def run_request(request, arrays, ops, package, root=None):
    """Import what the op needs, run it; returns (Reply, fatal text or None).
    root: the folder holding the student's package (for where errors and warnings come from)."""
    import childlib
    childlib.SUBMISSION_ROOT = root
    reply, student = childlib.Reply(), childlib.StudentPackage(package)
    if request.get("op") == "probe":
        probe(request, student, reply, root)
        return reply, None
    modules = {}
    for dotted in request.get("imports", ()):
        try:
            modules[dotted] = student.module(dotted)
        except BaseException as exc:
            return reply, ("importing your %s failed: %s"
                           % (dotted.replace(".", "/") + ".py", childlib.describe_import_failure(exc, root)))
    op = ops.OPERATIONS.get(request.get("op"))
    if op is not None:
        op(request, arrays, modules, reply)
    return reply, None


def main(argv):
    options = _parse_argv(argv)
    result_fd = int(options["result_fd"])
    os.set_inheritable(result_fd, False)
    # -I leaves the script's own folder off sys.path; the kit's child files sit there.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.path.append(options["pylib"])
    import numpy as np  # noqa: F401  (imported before the submission is on sys.path)
    import protocol
    import assignment_ops

    request_bytes = sys.stdin.buffer.read()
    arrays, request = protocol.decode(request_bytes, max_bytes=1 << 30)
    os.close(0)  # nothing more to read; the student gets no stdin

    # Modules the package and typical student code use, imported while the
    # runtime is still readable: in the fallback isolation the interpreter's
    # own folder may be unreadable to the unprivileged uid.
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    if options.get("drop_uid"):
        uid = int(options["drop_uid"])
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    sys.path.append(options["submission"])
    os.chdir(options["submission"])

    reply, fatal = run_request(request, arrays, assignment_ops, request["package"], options["submission"])
    try:
        message = protocol.encode(reply, {"errors": reply.errors, "fatal": fatal, "warnings": reply.warnings})
    except BaseException as exc:
        message = protocol.encode({}, {"errors": {}, "fatal": "results could not be sent: %s" % exc})
    view = memoryview(message)
    while view:
        written = os.write(result_fd, view)
        view = view[written:]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # the student may have closed or replaced it
            pass
    os._exit(0)  # skip atexit handlers and finalizers the student may have set up


if __name__ == "__main__":
    main(sys.argv[1:])

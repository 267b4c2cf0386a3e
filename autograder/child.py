"""What runs INSIDE the sandbox, in each child the zygote forks: one request
answered by calling the student's package through the assignment's child
operations (`assignment_ops.py`, copied next to it: its OPERATIONS table maps
an op name to a function). nbgrader's in-kernel checks run the same code in
the student's kernel.

Trust: this file knows nothing secret. It never sees reference outputs,
tolerances or points; it only runs the student's functions on the inputs it is
given and sends back whatever numeric arrays they return. A function the
request names under "replace" is put aside for the run: a stub takes its
place, which sends its arguments to the trusted side and returns the answer
(childlib.replaced_functions), so no reference code ever enters this
process. Everything it sends is re-validated and compared on the trusted
side, so a student who tampers with this process can at worst send wrong
numbers. It imports nothing from the kit except the files copied next to it
(protocol, childlib, assignment_ops).
"""


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
    childlib.stop_hung_functions(package, request.get("hung", ()))
    op = ops.OPERATIONS.get(request.get("op"))
    if op is not None:
        # Functions the trusted side does the work of in this run (stubs that ask it).
        with childlib.replaced_functions(package, request.get("replace", ())):
            op(request, arrays, modules, reply)
    return reply, None

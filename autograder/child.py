"""The program that runs INSIDE the sandbox and calls the student's code.

It is started as `python -I -S child.py --result-fd N --pylib DIR --submission DIR
[--drop-uid U]`, reads one request (protocol.encode format) from stdin, calls
the student's package as the request says, and writes one reply to fd N.

Trust: this file knows nothing secret. It never sees reference outputs,
tolerances or points; it only runs the student's functions on the inputs it is
given and sends back whatever numeric arrays they return. Everything it sends
is re-validated and compared on the trusted side, so a student who tampers
with this process can at worst send wrong numbers. It imports nothing from
the kit except protocol.py, which is copied next to it.
"""
import os
import sys
import traceback

MAX_TEXT = 4000
PRELOAD = ("json", "math", "copy", "collections", "functools", "itertools", "random", "time", "warnings",
           "h5py", "numpy.linalg", "numpy.random", "urllib.request", "tempfile", "pickle", "glob", "re",
           "string", "struct", "io", "shutil", "subprocess", "signal", "socket", "threading", "textwrap",
           "operator", "dataclasses", "typing", "inspect", "ctypes", "multiprocessing")


def _parse_argv(argv):
    options = {}
    for flag, value in zip(argv[::2], argv[1::2]):
        options[flag.lstrip("-").replace("-", "_")] = value
    return options


def _short_traceback(exc):
    """The student's traceback without this file's own frames, clipped."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.basename(f.filename) != "child.py"]
    lines = traceback.format_list(frames[-6:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)[-MAX_TEXT:]


class StudentError(Exception):
    """A student function returned something that cannot be sent as numbers."""


def _numeric(value, label):
    """The student's value as a numeric ndarray, or StudentError saying why not."""
    import numpy as np
    if value is None:
        raise StudentError("%s is None (not computed)" % label)
    if isinstance(value, (bool, int, float, np.generic)):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise StudentError("%s is a %s, expected a numpy array" % (label, type(value).__name__))
    array = np.array(value, copy=True)  # plain ndarray, detached from subclasses
    if array.dtype.kind not in "biuf":
        raise StudentError("%s has dtype %s, expected a numeric array" % (label, array.dtype))
    return array


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def run_layers(request, arrays, layers, out):
    """Forward (and optionally backward / perturbed forward) calls of rnn_layers."""
    import numpy as np
    for index, case in enumerate(request["cases"]):
        key = str(index)
        try:
            forward = getattr(layers, case["forward"])
            args = [arrays[name] for name in case["args"]]
            result = _as_tuple(forward(*[a.copy() for a in args]))
            if case.get("backward") and len(result) < 2:
                raise StudentError("%s must return its outputs and a cache" % case["forward"])
            outputs = result[:-1] if len(result) > 1 else result
            for k, value in enumerate(outputs[:case["n_outputs"]]):
                out["%s:out%d" % (key, k)] = _numeric(value, "output %d" % k)
            if case.get("backward"):
                backward = getattr(layers, case["backward"])
                upstream = [arrays[name].copy() for name in case["upstream"]]
                grads = _as_tuple(backward(*upstream, result[-1]))
                for k, value in enumerate(grads[:case["n_grads"]]):
                    out["%s:grad%d" % (key, k)] = _numeric(value, "gradient %d" % k)
            for a in case.get("perturb", []):
                # f(x + h e_i) and f(x - h e_i) for every element i of argument a;
                # the trusted side turns these into a numeric gradient.
                step, base = case["step"], args[a]
                rows = {k: [] for k in range(case["n_outputs"])}
                for i in range(base.size):
                    for sign in (1.0, -1.0):
                        moved = base.copy()
                        moved.flat[i] += sign * step
                        call_args = [moved if j == a else x.copy() for j, x in enumerate(args)]
                        values = _as_tuple(forward(*call_args))
                        for k in rows:
                            rows[k].append(_numeric(values[k], "output %d" % k))
                for k, values in rows.items():
                    out["%s:perturbed%d.%d" % (key, a, k)] = np.stack(values) if values else np.zeros(0)
        except BaseException as exc:  # the student may raise anything, even SystemExit
            out.errors[key] = _short_traceback(exc)


def run_model(request, arrays, model_class, out):
    """CaptioningRNN.loss / .sample with parameters set by the grader."""
    import numpy as np
    for index, case in enumerate(request["cases"]):
        key = str(index)
        try:
            dtype = np.dtype(case["dtype"]).type
            model = model_class(case["word_to_idx"], input_dim=case["input_dim"],
                                wordvec_dim=case["wordvec_dim"], hidden_dim=case["hidden_dim"],
                                cell_type=case["cell_type"], dtype=dtype)
            model.params = {name: arrays[ref].copy() for name, ref in case["params"].items()}
            features = arrays[case["features"]].copy()
            if case["method"] == "loss":
                loss, grads = model.loss(features, arrays[case["captions"]].copy())
                out["%s:loss" % key] = _numeric(loss, "loss")
                if not isinstance(grads, dict):
                    raise StudentError("grads is a %s, expected a dict" % type(grads).__name__)
                for name in case["params"]:
                    if name in grads:
                        out["%s:grad:%s" % (key, name)] = _numeric(grads[name], "grads['%s']" % name)
            else:
                captions = model.sample(features, max_length=case["max_length"])
                out["%s:captions" % key] = _numeric(captions, "captions")
        except BaseException as exc:
            out.errors[key] = _short_traceback(exc)


def run_overfit(request, arrays, model_class, solver_class, out):
    """Train the student's model with the kit's solver; send back the parameters."""
    import numpy as np
    try:
        np.random.seed(request["seed"])
        features = arrays["train_features"]
        data = {"train_captions": arrays["train_captions"],
                "train_image_idxs": arrays["train_image_idxs"],
                "train_features": features,
                "train_urls": np.asarray([""] * features.shape[0])}
        settings = request["model"]
        model = model_class(request["word_to_idx"], input_dim=features.shape[1],
                            wordvec_dim=settings["wordvec_dim"], hidden_dim=settings["hidden_dim"],
                            cell_type=request["cell_type"], dtype=np.dtype(settings["dtype"]).type)
        solver = solver_class(model, data, verbose=False, **request["solver"])
        solver.train()
        out["loss_history"] = np.asarray(solver.loss_history, dtype=np.float64)
        for name, value in model.params.items():
            out["param:%s" % name] = _numeric(value, "params['%s']" % name)
    except BaseException as exc:
        out.errors["0"] = _short_traceback(exc)


class Reply(dict):
    """Arrays to send back, plus per-case error texts."""

    def __init__(self):
        super().__init__()
        self.errors = {}


def main(argv):
    options = _parse_argv(argv)
    result_fd = int(options["result_fd"])
    os.set_inheritable(result_fd, False)
    # -I leaves the script's own folder off sys.path; protocol.py sits there.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.path.append(options["pylib"])
    import numpy as np  # noqa: F401  (imported before the submission is on sys.path)
    import protocol

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

    reply, fatal = Reply(), None
    try:
        import captioning.rnn_layers as layers
        from captioning.classifiers.rnn import CaptioningRNN
        from captioning.captioning_solver import CaptioningSolver
    except BaseException as exc:
        fatal = "importing your package failed:\n" + _short_traceback(exc)
    if fatal is None:
        op = request["op"]
        if op == "layers":
            run_layers(request, arrays, layers, reply)
        elif op == "model":
            run_model(request, arrays, CaptioningRNN, reply)
        elif op == "overfit":
            run_overfit(request, arrays, CaptioningRNN, CaptioningSolver, reply)
    try:
        message = protocol.encode(reply, {"errors": reply.errors, "fatal": fatal})
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

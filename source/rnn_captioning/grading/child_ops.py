"""The captioning assignment's operations inside the sandbox: how the student's
functions are called. Copied next to the engine's child.py as assignment_ops.py.

Nothing secret here: these functions only call the student's code on the
inputs they are given and put whatever numbers come back into the reply; the
trusted side validates and compares everything. Imports: the standard
library, numpy and the engine's childlib (which sits beside this file in the
sandbox, and beside child.py in the kit).

The student's code gets the Python objects a notebook would pass: interned
strings (so `cell_type is 'rnn'` behaves as in a notebook), plain ints, a
dict of str to int, dtype classes such as np.float32, and arrays it may
change in place (each call gets its own copies).
"""
import sys

from childlib import FirstStudentWarning, StudentError, as_tuple, numeric, short_traceback

# The student's package imports h5py (its data loader). The zygote imports this
# file before any submission, while the interpreter's folders are still
# readable (in the fallback isolation they may not be later).
try:
    import h5py  # noqa: F401
except ImportError:
    pass


def _warnings():
    return FirstStudentWarning()


def _note_warning(out, key, catcher):
    if catcher.text and key not in out.warnings:
        out.warnings[key] = catcher.text


def run_layers(request, arrays, modules, out):
    """Forward (and optionally backward / perturbed forward) calls of rnn_layers.

    With a backward, the forward's outputs are sent back as well: the trusted
    side may judge the backward given the student's own forward."""
    import numpy as np
    layers = modules["rnn_layers"]
    for index, case in enumerate(request["cases"]):
        key = str(index)
        try:
            with _warnings() as caught:
                forward = getattr(layers, case["forward"])
                args = [arrays[name] for name in case["args"]]
                given = [a.copy() for a in args]
                result = as_tuple(forward(*given))
                if case.get("backward") and len(result) < 2:
                    raise StudentError("%s must return its outputs and a cache" % case["forward"])
                outputs = result[:-1] if len(result) > 1 else result
                for k, value in enumerate(outputs[:case["n_outputs"]]):
                    out["%s:out%d" % (key, k)] = numeric(value, "output %d" % k)
                changed = ["%s's %s" % (case["forward"], name.split(":", 1)[-1])
                           for name, before, after in zip(case["args"], args, given) if not np.array_equal(before, after)]
                if case.get("backward"):
                    backward = getattr(layers, case["backward"])
                    upstream_given = [arrays[name].copy() for name in case["upstream"]]
                    grads = as_tuple(backward(*upstream_given, result[-1]))
                    for k, value in enumerate(grads[:case["n_grads"]]):
                        out["%s:grad%d" % (key, k)] = numeric(value, "gradient %d" % k)
                    changed += ["%s's %s" % (case["backward"], name.split(":", 1)[-1])
                                for name, after in zip(case["upstream"], upstream_given)
                                if not np.array_equal(arrays[name], after)]
                if changed:
                    out.notes[key] = "changes its input%s %s in place" % ("s" if len(changed) > 1 else "",
                                                                          ", ".join(changed))
            _note_warning(out, key, caught)
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
                        values = as_tuple(forward(*call_args))
                        for k in rows:
                            rows[k].append(numeric(values[k], "output %d" % k))
                for k, values in rows.items():
                    out["%s:perturbed%d.%d" % (key, a, k)] = np.stack(values) if values else np.zeros(0)
        except BaseException as exc:  # the student may raise anything, even SystemExit
            out.errors[key] = short_traceback(exc)


def notebook_vocabulary(word_to_idx):
    """The vocabulary as json.load gives it in a notebook: str keys, int values (interned keys)."""
    return {sys.intern(str(word)): int(index) for word, index in word_to_idx.items()}


def run_model(request, arrays, modules, out):
    """CaptioningRNN.loss / .sample with parameters set by the grader."""
    import numpy as np
    model_class = modules["classifiers.rnn"].CaptioningRNN
    for index, case in enumerate(request["cases"]):
        key = str(index)
        try:
            with _warnings() as caught:
                dtype = np.dtype(case["dtype"]).type
                model = model_class(notebook_vocabulary(case["word_to_idx"]), input_dim=int(case["input_dim"]),
                                    wordvec_dim=int(case["wordvec_dim"]), hidden_dim=int(case["hidden_dim"]),
                                    cell_type=sys.intern(case["cell_type"]), dtype=dtype)
                model.params = {name: arrays[ref].copy() for name, ref in case["params"].items()}
                features = arrays[case["features"]].copy()
                if case["method"] == "loss":
                    loss, grads = model.loss(features, arrays[case["captions"]].copy())
                    out["%s:loss" % key] = numeric(loss, "loss")
                    if not isinstance(grads, dict):
                        raise StudentError("grads is a %s, expected a dict" % type(grads).__name__)
                    for name in case["params"]:
                        if name in grads:
                            out["%s:grad:%s" % (key, name)] = numeric(grads[name], "grads['%s']" % name)
                else:
                    captions = model.sample(features, max_length=int(case["max_length"]))
                    out["%s:captions" % key] = numeric(captions, "captions")
            _note_warning(out, key, caught)
        except BaseException as exc:
            out.errors[key] = short_traceback(exc)


def run_overfit(request, arrays, modules, out):
    """Train the student's model with the kit's solver; send back the parameters."""
    import numpy as np
    model_class = modules["classifiers.rnn"].CaptioningRNN
    solver_class = modules["captioning_solver"].CaptioningSolver
    try:
        with _warnings() as caught:
            np.random.seed(request["seed"])
            features = arrays["train_features"]
            data = {"train_captions": arrays["train_captions"],
                    "train_image_idxs": arrays["train_image_idxs"],
                    "train_features": features,
                    "train_urls": np.asarray([""] * features.shape[0])}
            settings = request["model"]
            model = model_class(notebook_vocabulary(request["word_to_idx"]), input_dim=features.shape[1],
                                wordvec_dim=int(settings["wordvec_dim"]), hidden_dim=int(settings["hidden_dim"]),
                                cell_type=sys.intern(request["cell_type"]), dtype=np.dtype(settings["dtype"]).type)
            solver = solver_class(model, data, verbose=False, **request["solver"])
            solver.train()
        _note_warning(out, "0", caught)
        out["loss_history"] = np.asarray(solver.loss_history, dtype=np.float64)
        for name, value in model.params.items():
            out["param:%s" % name] = numeric(value, "params['%s']" % name)
    except BaseException as exc:
        out.errors["0"] = short_traceback(exc)


OPERATIONS = {"layers": run_layers, "model": run_model, "overfit": run_overfit}

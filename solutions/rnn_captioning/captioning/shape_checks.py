"""Checks on generated inputs: sizes of 1 and saturated units, without the answers.

`python selfcheck.py --shapes` runs these. Each part is called on random
inputs drawn with this file's own seeds (not the autograder's), at shapes where
some dimension is 1, and with pre-activations near +-50. No correct answer is
known here, so a result is checked against what must hold for any correct
function:

- it runs, returns arrays of the documented shapes, and stays finite;
- the batch: the result for one row equals that row's result in a batch of three;
- time: a sequence of one step gives the first step of a longer sequence;
- a dimension of 1 (D, W or H) gives the same result as a larger case built to
  equal it: an input column of zeros, or a hidden unit that nothing reaches;
- a backward pass agrees with finite differences of your own forward there.

So a function that is only wrong when a dimension is 1 (np.squeeze without an
axis is the usual cause) fails here before it is submitted. Passing here does
not prove the values right: the notebook's checks do that.
"""
import sys
import traceback

import numpy as np

from . import diagnosis
from .check_data import LAYER_PARTS, MODEL_GRADIENT_STEP, TOLERANCES, course_rubric
from .gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from .measures import rel_error

SEED = 7193
# (N, T, D, H): each has a dimension of 1; the first is the larger case the others are compared with.
SHAPES = [(3, 4, 3, 4), (1, 4, 3, 4), (3, 1, 3, 4), (3, 4, 1, 4), (3, 4, 3, 1), (1, 1, 1, 1)]
CONSISTENCY = 1e-8        # relative error between two computations that must agree
NUMERIC = 1e-5            # finite differences of your own forward, float64


class Mismatch(Exception):
    """A generated case that fails; str() says how, .hint names the catalogued mistake."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.hint = hint


def _each(cases, check):
    """check(shape, case) for every case; the first is an ordinary one, so a failure there is
    no size-1 problem: it says so, and the notebook's check of the part says more."""
    for k, (shape, case) in enumerate(cases):
        try:
            check(shape, case)
        except Mismatch as exc:
            if k == 0:
                raise Mismatch("it fails at ordinary sizes too (%s); the notebook's check of this part says more"
                               % exc) from None
            raise
    return len(cases)


def _layers():
    from . import rnn_layers
    return rnn_layers


def _inputs(spec, shape, rng, saturated=False):
    N, T, D, H = shape
    if spec.integer_args:
        V = 5
        return {"x": rng.integers(0, V, size=(N, T)), "W": rng.standard_normal((V, D)),
                "dout": rng.standard_normal((N, T, D))}
    G = spec.gates * H
    case = {"Wx": rng.standard_normal((D, G)) * 0.5, "Wh": rng.standard_normal((H, G)) * 0.5,
            "b": rng.standard_normal(G) * 0.5}
    if saturated:
        case["b"] = 50.0 * np.resize(np.array([1.0, -1.0, 0.0]), G) + 0.1 * rng.standard_normal(G)
    if spec.step:
        case.update(x=rng.standard_normal((N, D)), prev_h=rng.standard_normal((N, H)),
                    dnext_h=rng.standard_normal((N, H)))
        if "prev_c" in spec.args:
            case.update(prev_c=rng.standard_normal((N, H)), dnext_c=rng.standard_normal((N, H)))
    else:
        case.update(x=rng.standard_normal((N, T, D)), h0=rng.standard_normal((N, H)),
                    dout=rng.standard_normal((N, T, H)))
    return case


def _expected_shapes(spec, case):
    N, H = np.shape(case["x"])[0], (np.shape(case["Wh"])[0] if "Wh" in case else None)
    if spec.integer_args:
        return [np.shape(case["x"]) + (np.shape(case["W"])[1],)]
    if spec.step:
        return [(N, H)] * len(spec.outputs)
    return [(N, np.shape(case["x"])[1], H)]


def _call(function, case, names, label):
    """function(*case[names]) on copies; a Mismatch with the catalogued words when it raises."""
    try:
        return function(*[np.array(case[name], copy=True) for name in names])
    except Exception as exc:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        message, hint_id = diagnosis.error_finding(text, unit_dimension=True)
        raise Mismatch("%s: %s" % (label, message), hint_id)


def _checked(values, shapes, names, label):
    for name, value, shape in zip(names, values, shapes):
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            raise Mismatch("%s: %s is not a float array" % (label, name))
        if value.shape != tuple(shape):
            message, hint_id = diagnosis.shape_finding(name, value.shape, shape)
            raise Mismatch("%s: %s" % (label, message), hint_id)
        if not np.all(np.isfinite(value)):
            raise Mismatch("%s: %s" % (label, diagnosis.hint("nan", label=name)), "nan")
    return values


def _agree(a, b, what, label):
    error = rel_error(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    if not error <= CONSISTENCY:
        raise Mismatch("%s: %s (relative error %.1e)%s" % (
            label, what, error, "; " + diagnosis.hint("squeeze") if 1 in np.shape(a) else ""),
            "squeeze" if 1 in np.shape(a) else None)


def shape_text(case, names):
    return ", ".join("%s %s" % (name, tuple(np.shape(case[name]))) for name in names)


# ---------------------------------------------------------------------------
# The larger cases a size-1 case must agree with
# ---------------------------------------------------------------------------

def _with_more_rows(case, spec, rng):
    """The case with two more random rows in the batch (the first row is the case's own)."""
    batch = {"x", "prev_h", "prev_c", "h0"} | set(spec.upstream)
    return {name: (np.concatenate([value, rng.standard_normal((2,) + value.shape[1:])]) if name in batch else value)
            for name, value in case.items()}


def _with_more_steps(case, rng):
    """A sequence case with two more random steps after its own."""
    x = case["x"]
    return dict(case, x=np.concatenate([x, rng.standard_normal((x.shape[0], 2) + x.shape[2:])], axis=1))


def _padded_input(case):
    """One more input dimension, all zeros in x: the results cannot change."""
    padded = dict(case)
    x = case["x"]
    padded["x"] = np.concatenate([x, np.zeros(x.shape[:-1] + (1,))], axis=-1)
    padded["Wx"] = np.concatenate([case["Wx"], np.ones((1, case["Wx"].shape[1]))], axis=0)
    return padded


def _padded_hidden(case, gates):
    """One more hidden unit that no other unit reads: the others' results cannot change."""
    H = case["Wh"].shape[0]

    def widen(matrix, rows_too):
        blocks = np.split(matrix, gates, axis=-1)
        blocks = [np.concatenate([block, 0.3 * np.ones(block.shape[:-1] + (1,))], axis=-1) for block in blocks]
        wide = np.concatenate(blocks, axis=-1)
        if rows_too:
            wide = np.concatenate([wide, np.zeros((1, wide.shape[1]))], axis=0)
        return wide
    padded = dict(case)
    padded["Wx"], padded["Wh"], padded["b"] = widen(case["Wx"], False), widen(case["Wh"], True), widen(case["b"], False)
    for name in ("prev_h", "prev_c", "h0", "dnext_h", "dnext_c", "dout"):
        if name in case:
            value = case[name]
            padded[name] = np.concatenate([value, np.zeros(value.shape[:-1] + (1,))], axis=-1)
    return padded, H


# ---------------------------------------------------------------------------
# Layer functions
# ---------------------------------------------------------------------------

def _layer_check(part):
    spec, backward = LAYER_PARTS[part]
    layers = _layers()
    forward = getattr(layers, spec.forward)
    rng = np.random.default_rng([SEED, sum(map(ord, part))])
    cases = [(shape, _inputs(spec, shape, rng)) for shape in SHAPES]
    if spec.step:     # float32, where exp(100) overflows
        cases.append(("saturated", {name: value.astype(np.float32) if value.dtype.kind == "f" else value
                                    for name, value in _inputs(spec, (2, 1, 4, 5), rng, saturated=True).items()}))

    def check(shape, case):
        label = shape_text(case, spec.args) + (" (saturated units)" if shape == "saturated" else "")
        result = _call(forward, case, spec.args, label)
        result = result if isinstance(result, tuple) else (result,)
        if shape == "saturated":
            try:
                _checked(list(result[:len(spec.outputs)]), _expected_shapes(spec, case), spec.outputs, label)
            except Mismatch as exc:
                if exc.hint == "nan":
                    raise Mismatch("%s; %s" % (exc, diagnosis.hint("unstable_tanh")), "unstable_tanh") from None
                raise
            return
        outputs = _checked(list(result[:len(spec.outputs)]), _expected_shapes(spec, case), spec.outputs, label)
        if not backward:
            _layer_consistency(spec, forward, case, outputs, label, rng)
        else:
            _numeric(spec, forward, getattr(layers, spec.backward), case, label)
    return _each(cases, check)


def _layer_consistency(spec, forward, case, outputs, label, rng):
    if spec.integer_args:
        return
    if np.shape(case["x"])[0] == 1:
        batch = _call(forward, _with_more_rows(case, spec, rng), spec.args, label + " (in a batch of 3)")
        batch = batch if isinstance(batch, tuple) else (batch,)
        for name, alone, whole in zip(spec.outputs, outputs, batch):
            _agree(alone, whole[:1], "one row alone gives another %s than the same row in a batch" % name, label)
    D, H = np.shape(case["x"])[-1], np.shape(case["Wh"])[0]
    if D == 1:
        wide = _call(forward, _padded_input(case), spec.args, label + " (D padded with zeros)")
        _agree(outputs[0], (wide if isinstance(wide, tuple) else (wide,))[0],
               "D=1 gives another result than D=2 with a column of zeros", label)
    if H == 1:
        padded, _ = _padded_hidden(case, spec.gates)
        wide = _call(forward, padded, spec.args, label + " (a second, unread hidden unit)")
        wide = wide if isinstance(wide, tuple) else (wide,)
        _agree(outputs[0], wide[0][..., :1], "H=1 gives another result than its unit among two", label)
    if not spec.step and np.shape(case["x"])[1] == 1:
        longer = _call(forward, _with_more_steps(case, rng), spec.args, label + " (with two more steps)")
        longer = longer if isinstance(longer, tuple) else (longer,)
        _agree(outputs[0], longer[0][:, :1], "a sequence of one step gives another result than the first step "
               "of a longer one", label)


def _numeric(spec, forward, backward, case, label):
    args = [np.array(case[name], copy=True) for name in spec.args]
    upstream = [np.array(case[name], copy=True) for name in spec.upstream]
    result = _call(forward, case, spec.args, label)
    try:
        grads = backward(*[np.array(value, copy=True) for value in upstream], result[-1])
    except Exception as exc:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        message, hint_id = diagnosis.error_finding(text, unit_dimension=True)
        raise Mismatch("%s: %s" % (label, message), hint_id)
    grads = grads if isinstance(grads, tuple) else (grads,)
    shapes = [np.shape(args[i]) for i in spec.grad_args]
    _checked(list(grads[:len(spec.grads)]), shapes, spec.grads, label)
    for name, index, grad in zip(spec.grads, spec.grad_args, grads):
        numeric = 0
        for k, dout in enumerate(upstream):
            def f(value, index=index, k=k):
                return forward(*(np.array(value if j == index else a, copy=True) for j, a in enumerate(args)))[k]
            numeric = numeric + eval_numerical_gradient_array(f, args[index], dout)
        error = rel_error(numeric, grad)
        if not error <= NUMERIC:
            squeeze = 1 in np.shape(grad)
            raise Mismatch("%s: %s differs from finite differences of your forward (relative error %.1e)%s"
                           % (label, name, error, "; " + diagnosis.hint("squeeze") if squeeze else ""),
                           "squeeze" if squeeze else None)


# ---------------------------------------------------------------------------
# CaptioningRNN
# ---------------------------------------------------------------------------

MODEL_SHAPES = [(3, 5, 4, 3, 4), (1, 5, 4, 3, 4), (3, 5, 1, 3, 4), (3, 5, 4, 1, 4), (3, 5, 4, 3, 1), (3, 2, 4, 3, 4)]
WORDS = ["<NULL>", "<START>", "<END>", "a", "cat", "dog", "sits"]


def _model(cell_type, D, W, H, rng, scale=1.0):
    from .classifiers.rnn import CaptioningRNN
    # An interned string, as a notebook's literal 'rnn' is (so `cell_type is 'rnn'` works as there).
    model = CaptioningRNN({w: i for i, w in enumerate(WORDS)}, input_dim=D, wordvec_dim=W, hidden_dim=H,
                          cell_type=sys.intern(cell_type), dtype=np.float64)
    for name, value in model.params.items():
        model.params[name] = scale * rng.standard_normal(value.shape) / np.sqrt(max(value.shape[0], 1))
    return model


def _model_call(method, label, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except Exception as exc:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        message, hint_id = diagnosis.error_finding(text, unit_dimension=True)
        raise Mismatch("%s: %s" % (label, message), hint_id)


def _loss_check(cell_type):
    rng = np.random.default_rng([SEED, sum(map(ord, cell_type + "loss"))])
    cases = []
    for shape in MODEL_SHAPES:
        N, T, D, W, H = shape
        captions = np.concatenate([np.ones((N, 1), dtype=np.int64), rng.integers(2, len(WORDS), size=(N, T - 1))],
                                  axis=1)
        cases.append((shape, (_model(cell_type, D, W, H, rng), rng.standard_normal((N, D)), captions)))

    def check(shape, case):
        N, T, D, W, H = shape
        model, features, captions = case
        label = "N=%d, T=%d, D=%d, W=%d, H=%d" % shape
        loss, grads = _model_call(model.loss, label, features, captions)
        if np.size(loss) != 1 or not np.all(np.isfinite(loss)):
            raise Mismatch("%s: the loss is not one finite number" % label)
        if not isinstance(grads, dict):
            raise Mismatch("%s: grads is not a dict" % label)
        for name, value in model.params.items():
            _checked([grads.get(name)], [value.shape], ["grads['%s']" % name], label)
        if N == 1:      # three copies of one caption: the same average loss and gradients
            same, same_grads = _model_call(model.loss, label + " (three copies)", np.repeat(features, 3, axis=0),
                                           np.repeat(captions, 3, axis=0))
            _agree(np.asarray(loss), np.asarray(same), "three copies of one caption give another loss", label)
            for name in grads:
                _agree(grads[name], same_grads[name], "three copies give another grads['%s']" % name, label)
        if 1 in (D, W, H) or shape == MODEL_SHAPES[0]:
            for name in sorted(model.params):
                def f(_):
                    return model.loss(features, captions)[0]
                numeric = eval_numerical_gradient(f, model.params[name], verbose=False,
                                                  h=MODEL_GRADIENT_STEP[cell_type])
                if not rel_error(numeric, grads[name]) <= TOLERANCES["model_gradient"][cell_type]:
                    squeeze = shape != MODEL_SHAPES[0]
                    raise Mismatch("%s: grads['%s'] differs from finite differences of your loss%s"
                                   % (label, name, "; " + diagnosis.hint("squeeze") if squeeze else ""),
                                   "squeeze" if squeeze else None)
    return _each(cases, check)


SAMPLE_SHAPES = [(3, 6, 4, 3, 4), (1, 6, 4, 3, 4), (3, 1, 4, 3, 4), (3, 6, 1, 3, 4), (3, 6, 4, 1, 4), (3, 6, 4, 3, 1),
                 (1, 1, 1, 1, 1)]


def _sample_check(cell_type):
    rng = np.random.default_rng([SEED, sum(map(ord, cell_type + "sample"))])
    cases = [(shape, (_model(cell_type, shape[2], shape[3], shape[4], rng, scale=2.0),
                      rng.standard_normal((shape[0], shape[2])))) for shape in SAMPLE_SHAPES]

    def check(shape, case):
        N, L, D, W, H = shape
        model, features = case
        label = "N=%d, max_length=%d, D=%d, W=%d, H=%d" % shape
        captions = np.asarray(_model_call(model.sample, label, features, max_length=L))
        if captions.dtype.kind not in "iu":
            raise Mismatch("%s: the captions are not integers (dtype %s)" % (label, captions.dtype))
        if captions.shape != (N, L):
            message, hint_id = diagnosis.shape_finding("captions", captions.shape, (N, L))
            raise Mismatch("%s: %s" % (label, message), hint_id)
        if N == 1:
            batch = np.concatenate([features, rng.standard_normal((2, D))])
            whole = np.asarray(_model_call(model.sample, label + " (in a batch of 3)", batch, max_length=L))
            if whole.shape != (3, L) or not np.array_equal(whole[0], captions[0]):
                raise Mismatch("%s: one image alone gets another caption than in a batch; %s"
                               % (label, diagnosis.hint("squeeze")), "squeeze")
        if D == 1:
            wide = _model(cell_type, 2, W, H, rng)
            wide.params = dict(model.params, W_proj=np.concatenate([model.params["W_proj"], np.ones((1, H))], axis=0))
            again = np.asarray(_model_call(wide.sample, label + " (D padded with zeros)",
                                           np.concatenate([features, np.zeros((N, 1))], axis=1), max_length=L))
            if not np.array_equal(again, captions):
                raise Mismatch("%s: D=1 gets other captions than D=2 with a feature of zeros; %s"
                               % (label, diagnosis.hint("squeeze")), "squeeze")
        if W == 1:
            wide = _model(cell_type, D, 2, H, rng)
            gates = model.params["Wx"].shape[1]
            wide.params = dict(model.params,
                               W_embed=np.concatenate([model.params["W_embed"], np.zeros((len(WORDS), 1))], axis=1),
                               Wx=np.concatenate([model.params["Wx"], np.ones((1, gates))], axis=0))
            again = np.asarray(_model_call(wide.sample, label + " (W padded with zeros)", features, max_length=L))
            if not np.array_equal(again, captions):
                raise Mismatch("%s: W=1 gets other captions than W=2 with word vectors padded with zeros; %s"
                               % (label, diagnosis.hint("squeeze")), "squeeze")
    return _each(cases, check)


def run(part):
    """(status 'pass' | 'fail' | 'not implemented' | 'not run', detail, hint id) of one part."""
    if part in LAYER_PARTS:
        body = lambda: _layer_check(part)     # noqa: E731
    elif part.endswith("_loss"):
        body = lambda: _loss_check(part.split("_")[0])     # noqa: E731
    elif part.endswith("_sample"):
        body = lambda: _sample_check(part.split("_")[0])     # noqa: E731
    else:
        return "not run", "no generated inputs for this part", None
    try:
        with np.errstate(all="ignore"):
            count = body()
    except NotImplementedError:
        return "not implemented", diagnosis.hint("not_implemented"), "not_implemented"
    except Mismatch as exc:
        if exc.hint == "not_implemented":
            return "not implemented", str(exc), exc.hint
        return "fail", str(exc), exc.hint
    except Exception as exc:      # a bug of the check's own kind: still a row, never a crash
        return "fail", "%s: %s" % (type(exc).__name__, exc), None
    return "pass", "%d generated cases (sizes of 1, saturated units for the steps)" % count, None


def parts():
    """The parts that have generated checks, in rubric order."""
    return [p["id"] for p in course_rubric().get("parts", [])
            if p["id"] in LAYER_PARTS or p["id"].endswith(("_loss", "_sample"))]

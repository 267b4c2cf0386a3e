"""The visible checks of the assignment: run them, and print their tables.

Each check re-creates the fixed inputs of the original assignment's notebook
check (check_data.py), runs your implementation on them and measures the error
(measures.py) against the published answer, or against a numeric gradient of
your own forward pass. The notebooks and `selfcheck.py` run these checks, and
the autograder reads the same inputs, values and tolerances.

    from captioning.public_checks import show_check
    show_check("rnn_step_forward")      # prints a PASS/FAIL table

Nothing here is secret: the hidden checks of the autograder use other inputs.
"""
import math
import os
import traceback
from dataclasses import dataclass, field

import numpy as np

from . import carried, diagnosis
from .check_data import (EXPECTED, LAYER_PARTS, LAYERS, course_rubric, GRADED_OVERFIT_SETTINGS,  # noqa: F401
                         MODEL_GRADIENT_STEP, NOTEBOOK_CASES, NOTEBOOK_DIAGNOSES, OVERFIT_SETTINGS,
                         TOLERANCES, model_gradient_case, model_loss_case, sample_case)
from .measures import rel_error  # noqa: F401  (the notebooks import rel_error from here)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

@dataclass
class Measurement:
    """One measured number and the bound it must satisfy.

    kind 'max': passes when value <= bound (an error); kind 'below': passes
    when value < bound (a training loss); kind 'range': passes when
    bound[0] <= value <= bound[1] (a sanity value such as a loss).
    """
    label: str
    value: float
    bound: object
    kind: str = "max"
    what: str = "relative error"

    @property
    def passed(self):
        if not math.isfinite(self.value):
            return False
        if self.kind == "range":
            return self.bound[0] <= self.value <= self.bound[1]
        if self.kind == "below":
            return self.value < self.bound
        return self.value <= self.bound

    def bound_text(self):
        if self.kind == "range":
            return "expected %g to %g" % tuple(self.bound)
        if self.kind == "below":
            return "must be below %g" % self.bound
        if self.bound == 0:
            return "must be 0"
        return "tolerance %.0e" % self.bound

    def describe(self):
        bound = self.bound_text()
        return "%-14s %-15s %-10.3g %-24s %s" % (
            self.label, self.what, self.value, bound, "PASS" if self.passed else "FAIL")


@dataclass
class CheckOutcome:
    """The result of one public check: status is one of 'pass', 'fail',
    'not implemented', 'error', or 'waiting' (it fails while a function it uses
    fails its own check: the autograder judges it with a correct one in its
    place). hint: the catalogued mistake the detail names (diagnosis.HINTS), as
    the autograder's report names it."""
    part: str
    status: str
    measurements: list = field(default_factory=list)
    detail: str = ""
    hint: str = None

    @property
    def passed(self):
        return self.status == "pass"

    @property
    def failed(self):
        """A mistake of this part's own (not: waiting for another part, or manual)."""
        return self.status in ("fail", "error", "not implemented")


class NotImplementedYet(Exception):
    """Raised when a function returns only the placeholder values (None, the starter's);
    .hint names which (diagnosis.HINTS)."""

    def __init__(self, message, hint="returns_none"):
        super().__init__(message)
        self.hint = hint


@dataclass
class Measured:
    """What a check returns: its measurements and, when they fail, the catalogued mistake."""
    measurements: list
    hint: str = None
    detail: str = ""


def _layer_hint(part, labels, got, expected):
    """The catalogued mistake that wrong results on the notebook's inputs are, or None: the
    typical mistake whose results they equal (notebook_diagnoses.json, written when the
    assignment was built), else the pattern of right and wrong outputs."""
    entry = NOTEBOOK_DIAGNOSES.get("layers", {}).get(part)
    got = [np.asarray(g, dtype=np.float64) if isinstance(g, np.ndarray) and g.dtype.kind == "f" else g for g in got]
    if entry:
        found = diagnosis.matching_mistake(got, entry["mistakes"], diagnosis.MATCH_TOLERANCE)
        if found:
            return found
    if expected is None:
        return None
    expected = [np.asarray(e, dtype=np.float64) for e in expected]
    return diagnosis.structural_hint(part, labels, got, expected, diagnosis.MATCH_TOLERANCE)


def _exact_gradients(part):
    """The right gradients on the notebook's inputs (notebook_diagnoses.json), or None."""
    entry = NOTEBOOK_DIAGNOSES.get("layers", {}).get(part)
    return [np.asarray(value) for value in entry["expected"]] if entry else None


def _require(value, name):
    if value is None or (isinstance(value, tuple) and any(v is None for v in value)):
        raise NotImplementedYet("%s returned None: it is not implemented yet" % name)
    return value


def _tolerance(part, label):
    tol = TOLERANCES[part]
    return tol.get(label, tol.get("default")) if isinstance(tol, dict) else tol


def course_policy():
    """The course's grading policy from rubric.json (defaults when absent)."""
    return course_rubric().get("policy", {})


def failing_dependency_outcomes(part):
    """[(part id, CheckOutcome)] of the parts this one uses (rubric.json depends_on,
    transitively, nearest first) whose own checks fail."""
    parts = {p["id"]: p for p in course_rubric().get("parts", [])}
    seen, stack, failing = set(), list(parts.get(part, {}).get("depends_on", [])), []
    while stack:
        dep = stack.pop(0)
        if dep in seen or dep not in PUBLIC_CHECKS:
            continue
        seen.add(dep)
        outcome = run_check(dep, note_dependencies=False)
        if not outcome.passed:
            failing.append((dep, outcome))
        stack.extend(parts.get(dep, {}).get("depends_on", []))
    return failing


def failing_dependencies(part, written_only=False):
    """The parts this one uses whose own checks fail; written_only: leaving out those not
    implemented yet (nothing is carried forward from them)."""
    return [dep for dep, outcome in failing_dependency_outcomes(part)
            if not (written_only and outcome.status == "not implemented")]


def _float32(case):
    return {name: value.astype(np.float32) if isinstance(value, np.ndarray) and value.dtype.kind == "f"
            else value for name, value in case.items()}


def _dtype_measurement(outputs):
    """'dtype kept' for float32 inputs, when the course grades it (rubric.json policy preserve_dtype)."""
    kept = all(isinstance(out, np.ndarray) and out.dtype == np.float32 for out in outputs)
    return Measurement("float32 inputs", 0.0 if kept else 1.0, 0.0, what="dtype changed")


def _saturated(case):
    """The notebook's inputs with the bias pushed to +-50 (a third each way): saturated units."""
    case = dict(case)
    pattern = np.resize(np.array([50.0, -50.0, 0.0]), case["b"].shape)
    case["b"] = case["b"] + pattern
    return case


SATURATING = tuple(spec.forward for spec in LAYERS if spec.step)


# ---------------------------------------------------------------------------
# The checks. Each returns a list of Measurements; it imports the package at
# call time so that an edited (autoreloaded) module is the one checked.
# ---------------------------------------------------------------------------

def _layers():
    from . import rnn_layers
    return rnn_layers


def _forward_check(part, *output_names, n_outputs=2):
    def check():
        fn = getattr(_layers(), part)
        case = NOTEBOOK_CASES[part]()
        outputs = _require(fn(**case)[:n_outputs], part)
        for name, out in zip(output_names, outputs):
            if np.shape(out) != np.shape(EXPECTED[part][name]):
                raise SampleMismatch(*diagnosis.shape_finding(name, np.shape(out), np.shape(EXPECTED[part][name])))
        measurements = [Measurement(name, rel_error(EXPECTED[part][name], out), _tolerance(part, name))
                        for name, out in zip(output_names, outputs)]
        hint = None
        if not all(m.passed for m in measurements):
            hint = _layer_hint(part, list(output_names), list(outputs[:len(output_names)]),
                               [EXPECTED[part][name] for name in output_names])
        low = _lower_precision(outputs[:len(output_names)])
        if low:
            measurements.append(low)
            hint = hint or "lower_precision"
        if part in SATURATING:
            # Large pre-activations: a hand-written tanh or sigmoid can overflow to NaN.
            saturated = _require(fn(**_float32(_saturated(case)))[:len(output_names)], part)
            bad = sum(int(np.size(out) - np.count_nonzero(np.isfinite(out))) for out in saturated)
            measurements.append(Measurement("|a| near 50", float(bad), 0.0, what="NaN or inf"))
            if bad:
                hint = hint or "unstable_tanh"
        if course_policy().get("preserve_dtype"):
            measurements.append(_dtype_measurement(fn(**_float32(case))[:len(output_names)]))
        return Measured(measurements, hint)
    return check


def _copying(function):
    """function called on copies of its array arguments; .changed lists the ones it changed in place."""
    def call(*args):
        copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
        result = function(*copies)
        call.changed |= {i for i, (a, c) in enumerate(zip(args, copies))
                         if isinstance(a, np.ndarray) and not np.array_equal(a, c)}
        return result
    call.changed = set()
    return call


def _lower_precision(values, inputs_dtype=np.float64):
    """The first float result of lower precision than the inputs, as a Measurement, or None."""
    for value in values:
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.dtype.itemsize < np.dtype(
                inputs_dtype).itemsize:
            return Measurement("dtype " + value.dtype.name, 1.0, 0.0, what="lower precision")
    return None


def _looped_forward(part):
    """A forward over a whole sequence that loops over your own step function: what
    your backward is judged against when your own forward's output cannot be differentiated."""
    layers, lstm = _layers(), part.startswith("lstm")
    run_steps, _ = carried.in_process_steps(layers, part)

    def forward(x, h0, Wx, Wh, b):
        case = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b}
        h, c, states = h0, np.zeros_like(h0), []
        for t in range(x.shape[1]):
            out = run_steps([carried.step_input(case, t, h, c, lstm)])[0]
            h = out[0]
            c = out[1] if lstm else c
            states.append(h)
        return np.stack(states, axis=1), None
    return forward


def _forward_fails(forward):
    """Whether a backward's own forward fails its check, so that finite differences of it
    cannot judge the backward (the course may charge such a backward with its forward)."""
    return course_policy().get("error_carried_forward", True) and not run_check(forward, note_dependencies=False).passed


def _backward_check(spec):
    """Numeric gradient check: the analytic gradients of spec's backward against
    finite differences of the student's own forward function."""
    from .gradient_check import eval_numerical_gradient_array
    part = spec.backward

    def check():
        layers = _layers()
        forward, backward = _copying(getattr(layers, spec.forward)), _copying(getattr(layers, part))
        case = NOTEBOOK_CASES[part]()
        args = [case[name] for name in spec.args]
        upstream = [case[name] for name in spec.upstream]
        forward_out = _require(forward(*args), spec.forward)
        grads = _require(backward(*upstream, forward_out[-1]), part)
        grads = grads if isinstance(grads, tuple) else (grads,)
        measurements = []
        low = _lower_precision(grads)
        if low:
            measurements.append(low)
        if course_policy().get("preserve_dtype"):
            small = _float32(case)
            out32 = forward(*[small[name] for name in spec.args])
            grads32 = backward(*[small[name] for name in spec.upstream], out32[-1])
            measurements.append(_dtype_measurement(grads32 if isinstance(grads32, tuple) else (grads32,)))
        exact = _exact_gradients(part)
        exact_rows = [] if exact is None else [
            Measurement(label + " exact", rel_error(want, grad) if np.shape(grad) == np.shape(want) else float("inf"),
                        _tolerance(part, label), what="vs exact") for label, grad, want in zip(spec.grads, grads, exact)]
        if not low and exact_rows and all(m.passed for m in exact_rows) and _forward_fails(spec.forward):
            worst = max(m.value for m in exact_rows)
            return Measured(measurements + exact_rows + _in_place_tip(spec, forward, backward),
                            detail=diagnosis.judged_by_exact_gradients(_title(spec.forward),
                                                                       "worst relative error %.1e" % worst))
        differentiated = forward
        outputs = forward_out[:-1]
        if part in carried.STEPS and (_lower_precision(outputs) or
                                      np.shape(outputs[0]) != np.shape(case["x"])[:2] + np.shape(case["h0"])[1:]):
            # Your forward's output cannot be differentiated here: its own check says why.
            differentiated = _looped_forward(part)
        for label, i, grad in zip(spec.grads, spec.grad_args, grads):
            numeric = 0
            for k, dout in enumerate(upstream):
                def f(value, i=i, k=k):
                    return differentiated(*(value if j == i else a for j, a in enumerate(args)))[k]
                numeric = numeric + eval_numerical_gradient_array(f, args[i], dout)
            measurements.append(Measurement(label, rel_error(numeric, grad), _tolerance(part, label)))
        # The right gradients on these inputs, as the autograder compares them: a backward
        # that is the exact gradient of a wrong forward passes the finite differences only.
        hint = None
        measurements += exact_rows
        if not all(m.passed for m in exact_rows):
            hint = _layer_hint(part, list(spec.grads), list(grads), exact)
        hint = hint or ("lower_precision" if low else None)
        return Measured(measurements + _in_place_tip(spec, forward, backward), hint)
    return check


def _in_place_tip(spec, forward, backward):
    """A 0-point tip naming the inputs the (copying) forward or backward changed in place."""
    changed = sorted({spec.args[i] for i in forward.changed if i < len(spec.args)} |
                     {spec.upstream[i] for i in backward.changed if i < len(spec.upstream)})
    return [Measurement("tip: changes %s in place" % ", ".join(changed), 0.0, 0.0, what="(no points)")] if changed else []


def _check_temporal_affine():
    from .gradient_check import eval_numerical_gradient_array
    layers = _layers()
    np.random.seed(231)
    N, T, D, M = 2, 3, 4, 5
    x, w, b = np.random.randn(N, T, D), np.random.randn(D, M), np.random.randn(M)
    out, cache = layers.temporal_affine_forward(x, w, b)
    dout = np.random.randn(*out.shape)
    grads = layers.temporal_affine_backward(dout, cache)
    args = [x, w, b]
    measurements = []
    for i, (name, grad) in enumerate(zip(("dx", "dw", "db"), grads)):
        def f(value, i=i):
            return layers.temporal_affine_forward(*(value if j == i else a for j, a in enumerate(args)))[0]
        numeric = eval_numerical_gradient_array(f, args[i], dout)
        measurements.append(Measurement(name, rel_error(numeric, grad), TOLERANCES["temporal_affine"]))
    return measurements


def _check_temporal_softmax():
    from .gradient_check import eval_numerical_gradient
    layers = _layers()
    np.random.seed(231)
    measurements = []
    # Near-uniform scores over V=10 words cost about log(10) = 2.3 per counted step.
    for label, (N, T, V, p), bounds in (("loss T=1", (100, 1, 10, 1.0), (2.2, 2.4)),
                                        ("loss T=10", (100, 10, 10, 1.0), (22, 24)),
                                        ("loss p=0.1", (5000, 10, 10, 0.1), (2.2, 2.4))):
        x = 0.001 * np.random.randn(N, T, V)
        y = np.random.randint(V, size=(N, T))
        mask = np.random.rand(N, T) <= p
        loss = layers.temporal_softmax_loss(x, y, mask)[0]
        measurements.append(Measurement(label, float(loss), bounds, kind="range", what="value"))
    N, T, V = 7, 8, 9
    x = np.random.randn(N, T, V)
    y = np.random.randint(V, size=(N, T))
    mask = np.random.rand(N, T) > 0.5
    _, dx = layers.temporal_softmax_loss(x, y, mask, verbose=False)
    numeric = eval_numerical_gradient(lambda x: layers.temporal_softmax_loss(x, y, mask)[0], x, verbose=False)
    measurements.append(Measurement("dx", rel_error(dx, numeric), TOLERANCES["temporal_softmax"]["dx"]))
    return measurements


def _model(cell_type, case, dtype=np.float64):
    from .classifiers.rnn import CaptioningRNN
    return CaptioningRNN(case["word_to_idx"], input_dim=case["input_dim"],
                         wordvec_dim=case["wordvec_dim"], hidden_dim=case["hidden_dim"],
                         cell_type=cell_type, dtype=dtype)


def _model_check(cell_type):
    """The fixed-parameter loss check, then a numeric gradient check of every parameter."""
    from .gradient_check import eval_numerical_gradient

    def check():
        case = model_loss_case(cell_type)
        model = _model(cell_type, case)
        for name, value in model.params.items():
            model.params[name] = case["param_value"](value.shape)
        loss, grads = _require(model.loss(case["features"], case["captions"]), "CaptioningRNN.loss")
        starter = diagnosis.loss_starter_finding(loss, list(grads) if isinstance(grads, dict) else [None])
        if starter:
            raise NotImplementedYet(*starter)
        expected = EXPECTED["%s_loss" % cell_type]
        measurements = [Measurement("loss", abs(float(loss) - expected), TOLERANCES["model_loss"],
                                    what="difference")]
        hint = None
        if not measurements[0].passed:
            mistakes = NOTEBOOK_DIAGNOSES.get("loss", {}).get(cell_type, {}).get("mistakes", [])
            hint = diagnosis.loss_value_hint(float(loss), expected, mistakes, case["features"].shape[0],
                                             case["captions"].shape[1] - 1, True)
        case = model_gradient_case()
        model = _model(cell_type, case)
        _, grads = model.loss(case["features"], case["captions"])
        for name in sorted(model.params):
            def f(_):
                return model.loss(case["features"], case["captions"])[0]
            numeric = eval_numerical_gradient(f, model.params[name], verbose=False,
                                              h=MODEL_GRADIENT_STEP[cell_type])
            grad = grads.get(name) if isinstance(grads, dict) else None
            if grad is None or (np.shape(grad) == np.shape(numeric) and not np.any(grad) and np.any(numeric)):
                hint = hint or "missing_gradient"
            measurements.append(Measurement(name, rel_error(numeric, grad) if grad is not None else float("inf"),
                                            TOLERANCES["model_gradient"][cell_type]))
        return Measured(measurements, hint)
    return check


def sample_reference_model(cell_type, dtype=np.float64):
    """The model of the sampling check with its fixed parameters set."""
    case = sample_case()
    model = _model(cell_type, case, dtype)
    for k, name in enumerate(sorted(model.params)):
        model.params[name] = case["param_value"](model.params[name].shape, k).astype(dtype)
    return model, case


def _sample_check(cell_type):
    def check():
        model, case = sample_reference_model(cell_type)
        sampled = _require(model.sample(case["features"], max_length=case["max_length"]),
                           "CaptioningRNN.sample")
        expected = np.asarray(EXPECTED["%s_sample" % cell_type])
        sampled = np.asarray(sampled)
        if sampled.shape != expected.shape:
            raise SampleMismatch(*diagnosis.shape_finding("captions", sampled.shape, expected.shape))
        end = case["word_to_idx"]["<END>"]
        if not diagnosis.rows_match(sampled, expected, end):
            mistakes = NOTEBOOK_DIAGNOSES.get("sample", {}).get(cell_type, {}).get("mistakes", [])
            raise SampleMismatch(*diagnosis.sample_diagnosis(sampled, expected, case["word_to_idx"], mistakes))
        return [Measurement("words", 0.0, 0.0, what="wrong rows")]
    return check


class SampleMismatch(Exception):
    """Results that cannot be measured against the expected ones (sampled captions
    that differ, an output of the wrong shape); str() says how, .hint names the mistake."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.hint = hint


def train_overfit_model(cell_type, data_dir=None, verbose=False, progress=None, settings=None):
    """Train the small-data model of the overfitting check.

    Returns (model, solver). `settings` defaults to the notebook's run,
    OVERFIT_SETTINGS[cell_type]; GRADED_OVERFIT_SETTINGS[cell_type] is the
    grader's. `progress`, if given, is called as progress(iteration, total, loss)
    after every iteration.
    """
    from .captioning_solver import CaptioningSolver
    from .classifiers.rnn import CaptioningRNN

    settings = settings or OVERFIT_SETTINGS[cell_type]
    small_data = overfit_training_set(settings, data_dir)
    if settings != OVERFIT_SETTINGS[cell_type]:
        # The grader builds the model right after seeding; the notebook's run
        # builds it after drawing its captions from the same generator.
        np.random.seed(settings["seed"])
    model = CaptioningRNN(small_data["word_to_idx"], input_dim=small_data["train_features"].shape[1],
                          cell_type=cell_type, **settings["model"])
    solver = CaptioningSolver(model, small_data, verbose=verbose, print_every=10, **settings["solver"])
    solver.train(progress=progress)
    return model, solver


def overfit_training_set(settings, data_dir=None):
    """The captions an overfitting run trains on.

    Without settings["captions"], the notebook's: np.random.seed(seed), then
    load_coco_data(max_train=50), drawn with replacement from all training
    captions. With captions=dict(max_tokens=M, length=L): `max_train` captions
    of at most M tokens (<START> and <END> included), one per image, drawn with
    their own generator seeded with `seed`, cut or padded with <NULL> to L >= M
    tokens (only <NULL> columns are cut or added, which a correct loss leaves out).
    """
    from .coco_utils import load_coco_data

    selection = settings.get("captions")
    if not selection:
        np.random.seed(settings["seed"])
        return load_coco_data(base_dir=data_dir, max_train=settings["max_train"])
    if selection["max_tokens"] > selection["length"]:
        raise ValueError("captions of up to %(max_tokens)d tokens do not fit in %(length)d" % selection)
    data = load_coco_data(base_dir=data_dir)
    captions, images = data["train_captions"], data["train_image_idxs"]
    rng = np.random.RandomState(settings["seed"])
    tokens = (captions != data["word_to_idx"]["<NULL>"]).sum(axis=1)
    short = rng.permutation(np.flatnonzero(tokens <= selection["max_tokens"]))
    _, first_of_each_image = np.unique(images[short], return_index=True)
    if len(first_of_each_image) < settings["max_train"]:
        raise ValueError("the dataset has %d images with a training caption of at most %d tokens; this "
                         "overfitting run needs %d" % (len(first_of_each_image), selection["max_tokens"],
                                                       settings["max_train"]))
    chosen = rng.choice(short[np.sort(first_of_each_image)], settings["max_train"], replace=False)
    # Every chosen caption ends within max_tokens <= length: only <NULL> columns are cut or added.
    kept = captions[chosen][:, :selection["length"]]
    padding = np.full((len(chosen), selection["length"] - kept.shape[1]), data["word_to_idx"]["<NULL>"],
                      dtype=captions.dtype)
    data["train_captions"] = np.concatenate([kept, padding], axis=1)
    data["train_image_idxs"] = images[chosen]
    return data


def overfit_measurement(cell_type, final_loss, settings=None):
    settings = settings or OVERFIT_SETTINGS[cell_type]
    return Measurement("final loss", float(final_loss), settings["threshold"], kind="below", what="training loss")


def training_set_loss(model, data):
    """The model's loss on every caption of its training set: captioning_solver's
    (imported here when first needed, as the other training helpers are)."""
    from .captioning_solver import training_set_loss as loss_on_all_captions
    return loss_on_all_captions(model, data)


# The layer functions' checks follow from their signatures (check_data.LAYERS), in
# the notebooks' order, followed by the provided layers' and the model's checks.
PUBLIC_CHECKS = {}
for _spec in LAYERS:
    PUBLIC_CHECKS[_spec.forward] = _forward_check(_spec.forward, *_spec.outputs, n_outputs=len(_spec.outputs) + 1)
    PUBLIC_CHECKS[_spec.backward] = _backward_check(_spec)
PUBLIC_CHECKS.update({
    "temporal_affine": _check_temporal_affine,
    "temporal_softmax": _check_temporal_softmax,
    "rnn_loss": _model_check("rnn"),
    "rnn_sample": _sample_check("rnn"),
    "lstm_loss": _model_check("lstm"),
    "lstm_sample": _sample_check("lstm"),
})


def _title(part):
    return next((p["title"] for p in course_rubric().get("parts", []) if p["id"] == part), part)


def _own_pair(part):
    """The part's function and its forward or backward partner (a backward is called with its
    forward's cache, so its forward's mistakes may cost it too)."""
    spec = LAYER_PARTS.get(part)
    return {spec[0].forward, spec[0].backward} if spec else {part}


def run_check(part, note_dependencies=True):
    """Run one public check and return its CheckOutcome; never raises. A failing check
    names the parts it uses that fail too: while one of them is not its own forward, the
    check is 'waiting' (the autograder judges it with a correct one in place of yours)."""
    outcome = _run_check(part)
    if note_dependencies:
        outcome.measurements += _tips(part)
    if outcome.passed or not note_dependencies:
        return outcome
    outcomes = failing_dependency_outcomes(part)
    failing = [dep for dep, _ in outcomes]
    written = [dep for dep, dep_outcome in outcomes if dep_outcome.status != "not implemented"]
    others = [dep for dep in failing if dep not in _own_pair(part)]
    if others and set(others) <= set(written) and course_policy().get("error_carried_forward", True):
        outcome.status, outcome.hint = "waiting", None     # the mistake it shows may be theirs
        note = diagnosis.waiting_for([_title(dep) for dep in others])
    elif failing:
        note = diagnosis.fix_first([_title(dep) for dep in failing])
        # As the autograder's report: a failure that names no mistake of its own names the
        # one of the nearest failing part it uses.
        outcome.hint = outcome.hint or next((dep_outcome.hint for _, dep_outcome in outcomes if dep_outcome.hint), None)
    else:
        return outcome
    outcome.detail = "; ".join(text for text in (outcome.detail, note) if text)
    return outcome


def _source_of(key):
    """The text of one of your graded files (rubric.json's graded_files), read, not imported."""
    relative = course_rubric().get("graded_files", {}).get(key)
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), relative)) as f:
            return f.read()
    except (OSError, TypeError, UnicodeDecodeError):
        return ""


def _tips(part):
    """0-point tips the autograder gives this part too: a loop over the minibatch."""
    if part not in LAYER_PARTS and not part.endswith(("_loss", "_sample")):
        return []
    sources = {key: _source_of(key) for key in course_rubric().get("graded_files", {})}
    return [Measurement("tip: " + tip, 0.0, 0.0, what="(no points)")
            for tip in diagnosis.batch_loop_tips(part, sources)]


def _run_check(part):
    """Run one public check and return its CheckOutcome; never raises."""
    try:
        measured = PUBLIC_CHECKS[part]()
    except (NotImplementedError, NotImplementedYet) as exc:
        return CheckOutcome(part, "not implemented", detail=str(exc) or "not implemented yet",
                            hint=getattr(exc, "hint", "not_implemented"))
    except SampleMismatch as exc:
        return CheckOutcome(part, "fail", detail=str(exc), hint=exc.hint)
    except Exception as exc:  # a student's bug must show as a row, not a crash
        message, hint_id = diagnosis.error_finding("".join(traceback.format_exception(type(exc), exc,
                                                                                      exc.__traceback__)))
        return CheckOutcome(part, "error", detail=message, hint=hint_id)
    measured = measured if isinstance(measured, Measured) else Measured(measured)
    measurements = measured.measurements
    status = "pass" if all(m.passed for m in measurements) else "fail"
    if status == "fail" and part in carried.STEPS:
        credited = _carried_outcome(part)
        if credited is not None:
            return credited
    outcome = CheckOutcome(part, status, measurements, detail=measured.detail,
                           hint=measured.hint if status == "fail" else None)
    if outcome.hint:
        outcome.detail = _hint_words(outcome.hint, measurements)
    return outcome


def _hint_words(hint_id, measurements):
    """The catalogue's words for a mistake, its fields filled in from the measurements."""
    if hint_id == "lower_precision":
        low = next((m for m in measurements if m.what == "lower precision"), None)
        dtype = low.label.split()[-1] if low else "float32"
        return diagnosis.hint(hint_id, label="a result", dtype=dtype, inputs="float64")
    if hint_id == "missing_gradient":
        wrong = next((m.label for m in measurements if not m.passed and m.label != "loss"), "a gradient")
        return diagnosis.hint(hint_id, name="grads['%s']" % wrong if wrong != "a gradient" else wrong)
    return diagnosis.hint(hint_id)


def _carried_outcome(part):
    """A pass for a composite that is right given your own (failing) step functions, else None."""
    failing = [step for step in carried.STEPS[part] if not run_check(step, note_dependencies=False).passed]
    if not failing:
        return None
    layers, lstm = _layers(), part.startswith("lstm")
    run_steps, run_backward_steps = carried.in_process_steps(layers, part)
    case = NOTEBOOK_CASES[part]()
    try:
        if carried.ignored_input(run_steps, case, lstm):
            return None
        forward = getattr(layers, part.replace("backward", "forward"))
        h, cache = forward(case["x"], case["h0"], case["Wx"], case["Wh"], case["b"])
        if part.endswith("backward"):
            grads = getattr(layers, part)(case["dout"], cache)
            worst = carried.carried_backward(case, h, grads, run_steps, run_backward_steps, lstm, 1e-7)
        else:
            worst = carried.carried_forward(case, h, run_steps, lstm, 1e-7)
    except (carried.NotCarried, Exception):
        return None
    return CheckOutcome(part, "pass", [Measurement("given your step", worst, 1e-7, what="difference")],
                        detail=diagnosis.given_your_own(failing))


def print_outcome(outcome):
    print(outcome.part)
    for m in outcome.measurements:
        print("  " + m.describe())
    if outcome.detail:
        print("  %s: %s" % (outcome.status.upper(), outcome.detail))
    print("  => %s" % outcome.status.upper())


def show_check(part):
    """Run one public check, print its table, and return the CheckOutcome."""
    outcome = run_check(part)
    print_outcome(outcome)
    return outcome


def overfit_outcome(cell_type, measurement):
    """The overfitting check's CheckOutcome: a training that does not reach the threshold while
    a part it uses fails is 'waiting' (the autograder trains again with correct ones in place)."""
    part = "overfit_%s" % cell_type
    outcome = CheckOutcome(part, "pass" if measurement.passed else "fail", [measurement])
    if not measurement.passed:
        failing = failing_dependencies(part)
        if failing and failing == failing_dependencies(part, written_only=True) and \
                course_policy().get("error_carried_forward", True):
            outcome.status, outcome.detail = "waiting", diagnosis.waiting_for([_title(dep) for dep in failing])
    return outcome


def show_overfit(cell_type, solver):
    """Print the overfitting check for a trained solver and return the CheckOutcome."""
    outcome = overfit_outcome(cell_type, overfit_measurement(cell_type, solver.loss_history[-1]))
    print_outcome(outcome)
    return outcome

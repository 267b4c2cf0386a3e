"""The visible checks of the assignment, defined once.

Each check re-creates the fixed inputs of the original assignment's notebook
check, runs your implementation on them and measures the error against the
published answer (or against a numeric gradient of your own forward pass).
The notebooks, `selfcheck.py` and the autograder's fixed-input cases all read
their inputs, expected values and tolerances from here.

    from captioning.public_checks import show_check
    show_check("rnn_step_forward")      # prints a PASS/FAIL table

Nothing here is secret: the hidden checks of the autograder use other inputs.
"""
import math
import traceback
from dataclasses import dataclass, field

import numpy as np


def rel_error(x, y):
    """Largest elementwise relative error between two arrays."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

@dataclass
class Measurement:
    """One measured number and the bound it must satisfy.

    kind 'max': passes when value <= bound (an error); kind 'range': passes
    when bound[0] <= value <= bound[1] (a sanity value such as a loss).
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
        return self.value <= self.bound

    def describe(self):
        if self.kind == "range":
            bound = "expected %g to %g" % tuple(self.bound)
        else:
            bound = "tolerance %.0e" % self.bound
        return "%-14s %-15s %-10.3g %-24s %s" % (
            self.label, self.what, self.value, bound, "PASS" if self.passed else "FAIL")


@dataclass
class CheckOutcome:
    """The result of one public check: status is one of 'pass', 'fail',
    'not implemented' or 'error'."""
    part: str
    status: str
    measurements: list = field(default_factory=list)
    detail: str = ""

    @property
    def passed(self):
        return self.status == "pass"


class NotImplementedYet(Exception):
    """Raised when a function returns only the placeholder None values."""


def _require(value, name):
    if value is None or (isinstance(value, tuple) and any(v is None for v in value)):
        raise NotImplementedYet("%s returned None: it is not implemented yet" % name)
    return value


# ---------------------------------------------------------------------------
# The original assignment's fixed inputs
# ---------------------------------------------------------------------------

def _linspace(lo, hi, *shape):
    return np.linspace(lo, hi, num=int(np.prod(shape))).reshape(*shape)


def _rnn_step_forward_case():
    N, D, H = 3, 10, 4
    return dict(x=_linspace(-0.4, 0.7, N, D), prev_h=_linspace(-0.2, 0.5, N, H),
                Wx=_linspace(-0.1, 0.9, D, H), Wh=_linspace(-0.3, 0.7, H, H),
                b=_linspace(-0.2, 0.4, H))


def _rnn_step_backward_case():
    np.random.seed(231)
    N, D, H = 4, 5, 6
    case = dict(x=np.random.randn(N, D), prev_h=np.random.randn(N, H),
                Wx=np.random.randn(D, H), Wh=np.random.randn(H, H), b=np.random.randn(H))
    case["dnext_h"] = np.random.randn(N, H)
    return case


def _rnn_forward_case():
    N, T, D, H = 2, 3, 4, 5
    return dict(x=_linspace(-0.1, 0.3, N, T, D), h0=_linspace(-0.3, 0.1, N, H),
                Wx=_linspace(-0.2, 0.4, D, H), Wh=_linspace(-0.4, 0.1, H, H),
                b=_linspace(-0.7, 0.1, H))


def _rnn_backward_case():
    np.random.seed(231)
    N, D, T, H = 2, 3, 10, 5
    case = dict(x=np.random.randn(N, T, D), h0=np.random.randn(N, H),
                Wx=np.random.randn(D, H), Wh=np.random.randn(H, H), b=np.random.randn(H))
    case["dout"] = np.random.randn(N, T, H)
    return case


def _word_embedding_forward_case():
    V, D = 5, 3
    return dict(x=np.asarray([[0, 3, 1, 2], [2, 1, 0, 3]]), W=_linspace(0, 1, V, D))


def _word_embedding_backward_case():
    np.random.seed(231)
    N, T, V, D = 50, 3, 5, 6
    case = dict(x=np.random.randint(V, size=(N, T)), W=np.random.randn(V, D))
    case["dout"] = np.random.randn(N, T, D)
    return case


def _lstm_step_forward_case():
    N, D, H = 3, 4, 5
    return dict(x=_linspace(-0.4, 1.2, N, D), prev_h=_linspace(-0.3, 0.7, N, H),
                prev_c=_linspace(-0.4, 0.9, N, H), Wx=_linspace(-2.1, 1.3, D, 4 * H),
                Wh=_linspace(-0.7, 2.2, H, 4 * H), b=_linspace(0.3, 0.7, 4 * H))


def _lstm_step_backward_case():
    np.random.seed(231)
    N, D, H = 4, 5, 6
    case = dict(x=np.random.randn(N, D), prev_h=np.random.randn(N, H),
                prev_c=np.random.randn(N, H), Wx=np.random.randn(D, 4 * H),
                Wh=np.random.randn(H, 4 * H), b=np.random.randn(4 * H))
    case["dnext_h"] = np.random.randn(N, H)
    case["dnext_c"] = np.random.randn(N, H)
    return case


def _lstm_forward_case():
    N, D, H, T = 2, 5, 4, 3
    return dict(x=_linspace(-0.4, 0.6, N, T, D), h0=_linspace(-0.4, 0.8, N, H),
                Wx=_linspace(-0.2, 0.9, D, 4 * H), Wh=_linspace(-0.3, 0.6, H, 4 * H),
                b=_linspace(0.2, 0.7, 4 * H))


def _lstm_backward_case():
    np.random.seed(231)
    N, D, T, H = 2, 3, 10, 6
    case = dict(x=np.random.randn(N, T, D), h0=np.random.randn(N, H),
                Wx=np.random.randn(D, 4 * H), Wh=np.random.randn(H, 4 * H),
                b=np.random.randn(4 * H))
    case["dout"] = np.random.randn(N, T, H)
    return case


def model_loss_case(cell_type):
    """The fixed-parameter model of the loss check; every parameter is a linspace."""
    N, D, W, H, T = 10, 20, 30, 40, 13
    word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
    V = len(word_to_idx)
    feature_range = {"rnn": (-1.5, 0.3), "lstm": (-0.5, 1.7)}[cell_type]
    return dict(word_to_idx=word_to_idx, input_dim=D, wordvec_dim=W, hidden_dim=H,
                features=_linspace(*feature_range, N, D),
                captions=(np.arange(N * T) % V).reshape(N, T),
                param_value=lambda shape: _linspace(-1.4, 1.3, *shape))


def model_gradient_case():
    np.random.seed(231)
    batch_size, timesteps, input_dim = 2, 3, 4
    word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
    captions = np.random.randint(len(word_to_idx), size=(batch_size, timesteps))
    features = np.random.randn(batch_size, input_dim)
    return dict(word_to_idx=word_to_idx, input_dim=input_dim, wordvec_dim=5,
                hidden_dim=6, captions=captions, features=features)


def sample_case():
    """A small model with fixed, varied parameters for the greedy-decoding check."""
    words = ["<NULL>", "<START>", "<END>", "a", "cat", "dog", "sits", "runs"]
    N, D, W, H = 4, 6, 5, 7
    features = np.random.RandomState(0).randn(N, D)
    return dict(word_to_idx={w: i for i, w in enumerate(words)}, input_dim=D,
                wordvec_dim=W, hidden_dim=H, features=features, max_length=8,
                param_value=lambda shape, k: np.random.RandomState(2020 + k).randn(*shape))


SEED_CASES = {
    "rnn_step_forward": _rnn_step_forward_case,
    "rnn_step_backward": _rnn_step_backward_case,
    "rnn_forward": _rnn_forward_case,
    "rnn_backward": _rnn_backward_case,
    "word_embedding_forward": _word_embedding_forward_case,
    "word_embedding_backward": _word_embedding_backward_case,
    "lstm_step_forward": _lstm_step_forward_case,
    "lstm_step_backward": _lstm_step_backward_case,
    "lstm_forward": _lstm_forward_case,
    "lstm_backward": _lstm_backward_case,
}

# The published answers of the forward checks (rounded to 8 decimals, which
# is why a correct implementation shows an error near 1e-8 and not 0).
EXPECTED = {
    "rnn_step_forward": {"next_h": np.asarray([
        [-0.58172089, -0.50182032, -0.41232771, -0.31410098],
        [0.66854692, 0.79562378, 0.87755553, 0.92795967],
        [0.97934501, 0.99144213, 0.99646691, 0.99854353]])},
    "rnn_forward": {"h": np.asarray([
        [[-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
         [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
         [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525]],
        [[-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
         [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
         [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043]]])},
    "word_embedding_forward": {"out": np.asarray([
        [[0., 0.07142857, 0.14285714],
         [0.64285714, 0.71428571, 0.78571429],
         [0.21428571, 0.28571429, 0.35714286],
         [0.42857143, 0.5, 0.57142857]],
        [[0.42857143, 0.5, 0.57142857],
         [0.21428571, 0.28571429, 0.35714286],
         [0., 0.07142857, 0.14285714],
         [0.64285714, 0.71428571, 0.78571429]]])},
    "lstm_step_forward": {
        "next_h": np.asarray([
            [0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
            [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
            [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299]]),
        "next_c": np.asarray([
            [0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
            [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
            [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676]])},
    "lstm_forward": {"h": np.asarray([
        [[0.01764008, 0.01823233, 0.01882671, 0.0194232],
         [0.11287491, 0.12146228, 0.13018446, 0.13902939],
         [0.31358768, 0.33338627, 0.35304453, 0.37250975]],
        [[0.45767879, 0.4761092, 0.4936887, 0.51041945],
         [0.6704845, 0.69350089, 0.71486014, 0.7346449],
         [0.81733511, 0.83677871, 0.85403753, 0.86935314]]])},
    "rnn_loss": 9.83235591003,
    "lstm_loss": 9.82445935443,
    # Greedy decoding of the sample_case model, as word indices.
    "rnn_sample": [[3, 0, 0, 7, 0, 6, 0, 7], [7, 7, 7, 7, 7, 1, 5, 0],
                   [3, 6, 0, 7, 0, 5, 0, 2], [3, 6, 0, 7, 0, 5, 0, 2]],
    "lstm_sample": [[6, 3, 3, 5, 0, 5, 0, 5], [0, 6, 3, 0, 5, 0, 5, 0],
                    [6, 3, 6, 3, 5, 0, 5, 0], [3, 6, 3, 6, 3, 5, 0, 5]],
}

# Tolerances of the visible checks, from the original notebooks' guidance
# ("errors on the order of e-8 or less" and so on).
TOLERANCES = {
    "rnn_step_forward": 1e-8,
    "rnn_step_backward": 1e-8,
    "rnn_forward": 1e-7,
    "rnn_backward": {"default": 1e-6},
    "word_embedding_forward": 1e-7,
    "word_embedding_backward": 1e-11,
    "lstm_step_forward": 1e-8,
    "lstm_step_backward": 1e-6,
    "lstm_forward": 1e-7,
    "lstm_backward": {"default": 1e-7, "dWh": 1e-5},
    "temporal_affine": 1e-9,
    "temporal_softmax": {"dx": 1e-7},
    "model_loss": 1e-10,
    # The LSTM's Wx gradients are tiny here (word vectors start near 0.01),
    # so finite differences of them are noisy: its bound is looser.
    "model_gradient": {"rnn": 5e-6, "lstm": 1e-4},
}
# Finite-difference step of the model gradient check, per cell type.
MODEL_GRADIENT_STEP = {"rnn": 1e-6, "lstm": 1e-5}

# Overfitting a small training set: the original assignment's settings.
OVERFIT_SETTINGS = {
    cell: dict(
        seed=231,
        max_train=50,
        model=dict(hidden_dim=512, wordvec_dim=256, dtype=np.float32),
        solver=dict(update_rule="adam", num_epochs=50, batch_size=25,
                    optim_config={"learning_rate": 5e-3}, lr_decay=lr_decay),
        threshold=threshold,
    )
    for cell, lr_decay, threshold in (("rnn", 0.95, 0.1), ("lstm", 0.995, 0.5))
}


def _tolerance(part, label):
    tol = TOLERANCES[part]
    return tol.get(label, tol.get("default")) if isinstance(tol, dict) else tol


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
        outputs = _require(fn(**SEED_CASES[part]())[:n_outputs], part)
        return [Measurement(name, rel_error(EXPECTED[part][name], out), _tolerance(part, name))
                for name, out in zip(output_names, outputs)]
    return check


def _backward_check(part, forward_name, input_names, upstream_names):
    """Numeric gradient check: the analytic gradients of `part` against
    finite differences of the student's own forward function."""
    from .gradient_check import eval_numerical_gradient_array

    def check():
        layers = _layers()
        forward, backward = getattr(layers, forward_name), getattr(layers, part)
        case = SEED_CASES[part]()
        args = [case[name] for name in input_names]
        upstream = [case[name] for name in upstream_names]
        forward_out = _require(forward(*args), forward_name)
        grads = _require(backward(*upstream, forward_out[-1]), part)
        grads = grads if isinstance(grads, tuple) else (grads,)
        measurements = []
        for i, (name, grad) in enumerate(zip(input_names, grads)):
            numeric = 0
            for k, dout in enumerate(upstream):
                def f(value, i=i, k=k):
                    return forward(*(value if j == i else a for j, a in enumerate(args)))[k]
                numeric = numeric + eval_numerical_gradient_array(f, args[i], dout)
            label = "d" + name
            measurements.append(Measurement(label, rel_error(numeric, grad), _tolerance(part, label)))
        return measurements
    return check


def _check_word_embedding_backward():
    from .gradient_check import eval_numerical_gradient_array
    layers = _layers()
    case = SEED_CASES["word_embedding_backward"]()
    x, W, dout = case["x"], case["W"], case["dout"]
    _, cache = _require(layers.word_embedding_forward(x, W), "word_embedding_forward")
    dW = _require(layers.word_embedding_backward(dout, cache), "word_embedding_backward")
    numeric = eval_numerical_gradient_array(lambda W: layers.word_embedding_forward(x, W)[0], W, dout)
    return [Measurement("dW", rel_error(dW, numeric), TOLERANCES["word_embedding_backward"])]


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
        loss, _ = _require(model.loss(case["features"], case["captions"]), "CaptioningRNN.loss")
        expected = EXPECTED["%s_loss" % cell_type]
        measurements = [Measurement("loss", abs(float(loss) - expected), TOLERANCES["model_loss"],
                                    what="difference")]
        case = model_gradient_case()
        model = _model(cell_type, case)
        _, grads = model.loss(case["features"], case["captions"])
        for name in sorted(model.params):
            def f(_):
                return model.loss(case["features"], case["captions"])[0]
            numeric = eval_numerical_gradient(f, model.params[name], verbose=False,
                                              h=MODEL_GRADIENT_STEP[cell_type])
            measurements.append(Measurement(name, rel_error(numeric, grads[name]),
                                            TOLERANCES["model_gradient"][cell_type]))
        return measurements
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
        shape_ok = sampled.shape == expected.shape
        mismatches = float(np.sum(sampled != expected)) if shape_ok else float("inf")
        return [Measurement("shape", 0.0 if shape_ok else float("inf"), 0.0, what="mismatch"),
                Measurement("words", mismatches, 0.0, what="wrong words")]
    return check


def train_overfit_model(cell_type, data_dir=None, verbose=False, progress=None):
    """Train the small-data model of the overfitting check.

    Returns (model, solver). `progress`, if given, is called as
    progress(iteration, total, loss) after every iteration.
    """
    from .captioning_solver import CaptioningSolver
    from .classifiers.rnn import CaptioningRNN
    from .coco_utils import load_coco_data

    settings = OVERFIT_SETTINGS[cell_type]
    np.random.seed(settings["seed"])
    small_data = load_coco_data(base_dir=data_dir, max_train=settings["max_train"])
    model = CaptioningRNN(small_data["word_to_idx"], input_dim=small_data["train_features"].shape[1],
                          cell_type=cell_type, **settings["model"])
    solver = CaptioningSolver(model, small_data, verbose=verbose, print_every=10, **settings["solver"])
    solver.train(progress=progress)
    return model, solver


def overfit_measurement(cell_type, final_loss):
    return Measurement("final loss", float(final_loss), OVERFIT_SETTINGS[cell_type]["threshold"],
                       what="value")


PUBLIC_CHECKS = {
    "rnn_step_forward": _forward_check("rnn_step_forward", "next_h"),
    "rnn_step_backward": _backward_check("rnn_step_backward", "rnn_step_forward",
                                         ["x", "prev_h", "Wx", "Wh", "b"], ["dnext_h"]),
    "rnn_forward": _forward_check("rnn_forward", "h"),
    "rnn_backward": _backward_check("rnn_backward", "rnn_forward",
                                    ["x", "h0", "Wx", "Wh", "b"], ["dout"]),
    "word_embedding_forward": _forward_check("word_embedding_forward", "out"),
    "word_embedding_backward": _check_word_embedding_backward,
    "temporal_affine": _check_temporal_affine,
    "temporal_softmax": _check_temporal_softmax,
    "rnn_loss": _model_check("rnn"),
    "rnn_sample": _sample_check("rnn"),
    "lstm_step_forward": _forward_check("lstm_step_forward", "next_h", "next_c", n_outputs=3),
    "lstm_step_backward": _backward_check("lstm_step_backward", "lstm_step_forward",
                                          ["x", "prev_h", "prev_c", "Wx", "Wh", "b"],
                                          ["dnext_h", "dnext_c"]),
    "lstm_forward": _forward_check("lstm_forward", "h"),
    "lstm_backward": _backward_check("lstm_backward", "lstm_forward",
                                     ["x", "h0", "Wx", "Wh", "b"], ["dout"]),
    "lstm_loss": _model_check("lstm"),
    "lstm_sample": _sample_check("lstm"),
}


def run_check(part):
    """Run one public check and return its CheckOutcome; never raises."""
    try:
        measurements = PUBLIC_CHECKS[part]()
    except (NotImplementedError, NotImplementedYet) as exc:
        return CheckOutcome(part, "not implemented", detail=str(exc) or "not implemented yet")
    except Exception as exc:  # a student's bug must show as a row, not a crash
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return CheckOutcome(part, "error", detail="%s: %s (%s, line %d)" % (
            type(exc).__name__, exc, where.filename.rsplit("/", 1)[-1], where.lineno))
    status = "pass" if all(m.passed for m in measurements) else "fail"
    return CheckOutcome(part, status, measurements)


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


def show_overfit(cell_type, solver):
    """Print the overfitting check for a trained solver and return the CheckOutcome."""
    measurement = overfit_measurement(cell_type, solver.loss_history[-1])
    outcome = CheckOutcome("overfit_%s" % cell_type, "pass" if measurement.passed else "fail",
                           [measurement])
    print_outcome(outcome)
    return outcome

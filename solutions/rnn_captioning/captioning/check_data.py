"""The visible checks' data: the notebook's inputs, the published values, the
tolerances and the overfitting settings of the original assignment.

Defined once here; the notebooks, `selfcheck.py` and the autograder's checks
on the notebook's inputs all read them. Nothing here is secret.
"""
import json
import os
from dataclasses import dataclass

import numpy as np


def _package_file(name):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), name)


def course_rubric():
    """rubric.json beside this package: parts, points, the files students write, the policy ({} when absent)."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rubric.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


# ---------------------------------------------------------------------------
# The layer functions: their signatures, as the notebook states them
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerSpec:
    """A forward function and its backward, by the names the notebook uses."""
    forward: str
    backward: str
    args: tuple          # the forward's arguments, in order
    outputs: tuple       # the forward's results before the cache
    upstream: tuple      # the backward's upstream gradients, in order
    grads: tuple         # the backward's results, in order
    grad_args: tuple     # for each gradient, the index in args of the input it belongs to
    integer_args: tuple = ()     # indices in args of integer inputs (word indices)
    gates: int = 1               # blocks of H columns in the weights (an LSTM has 4)
    step: bool = False           # one time step (x is (N, D)) rather than a sequence (x is (N, T, D))


RNN_STEP = LayerSpec("rnn_step_forward", "rnn_step_backward", ("x", "prev_h", "Wx", "Wh", "b"),
                     ("next_h",), ("dnext_h",), ("dx", "dprev_h", "dWx", "dWh", "db"), (0, 1, 2, 3, 4),
                     step=True)
RNN = LayerSpec("rnn_forward", "rnn_backward", ("x", "h0", "Wx", "Wh", "b"),
                ("h",), ("dout",), ("dx", "dh0", "dWx", "dWh", "db"), (0, 1, 2, 3, 4))
EMBEDDING = LayerSpec("word_embedding_forward", "word_embedding_backward", ("x", "W"),
                      ("out",), ("dout",), ("dW",), (1,), integer_args=(0,))
LSTM_STEP = LayerSpec("lstm_step_forward", "lstm_step_backward",
                      ("x", "prev_h", "prev_c", "Wx", "Wh", "b"), ("next_h", "next_c"),
                      ("dnext_h", "dnext_c"), ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"),
                      (0, 1, 2, 3, 4, 5), gates=4, step=True)
LSTM = LayerSpec("lstm_forward", "lstm_backward", ("x", "h0", "Wx", "Wh", "b"),
                 ("h",), ("dout",), ("dx", "dh0", "dWx", "dWh", "db"), (0, 1, 2, 3, 4), gates=4)

# Every graded layer function, in the notebooks' order: part id -> (spec, is it the backward)
LAYERS = (RNN_STEP, RNN, EMBEDDING, LSTM_STEP, LSTM)
LAYER_PARTS = {name: (spec, backward) for spec in LAYERS
               for name, backward in ((spec.forward, False), (spec.backward, True))}


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


NOTEBOOK_CASES = {
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

# The grader's own overfitting runs, which `python selfcheck.py --overfit` repeats.
# Both train smaller models for longer than the notebooks' runs (up to 150
# iterations at learning rate 0.01), on 50 short captions (at most 10 tokens, one per
# image), in a fraction of their CPU time, with thresholds of their own. A
# training part only has to show that the model trains: a mistake in the loss
# (a missing mask, say) is charged by the loss checks, so the captions are as
# short as the data allows, and a model loops over 9 time steps, not 16.
GRADED_CAPTIONS = dict(max_tokens=10, length=10)
GRADED_OVERFIT_SETTINGS = {
    "rnn": dict(OVERFIT_SETTINGS["rnn"],
                captions=GRADED_CAPTIONS,
                model=dict(hidden_dim=192, wordvec_dim=128, dtype=np.float32),
                solver=dict(OVERFIT_SETTINGS["rnn"]["solver"], num_epochs=75,
                            optim_config={"learning_rate": 1e-2}),
                threshold=0.25),
    "lstm": dict(OVERFIT_SETTINGS["lstm"],
                 captions=GRADED_CAPTIONS,
                 model=dict(hidden_dim=128, wordvec_dim=128, dtype=np.float32),
                 solver=dict(OVERFIT_SETTINGS["lstm"]["solver"], num_epochs=75,
                             optim_config={"learning_rate": 1e-2}),
                 threshold=1.0),
}
# A graded training stops once the loss on all its captions is below half its
# threshold (checked every 10 iterations): a model that gets there trains, and
# the grader then recomputes that loss itself.
for _settings in GRADED_OVERFIT_SETTINGS.values():
    _settings["solver"]["stop_below"] = _settings["threshold"] / 2


def _notebook_diagnoses():
    """The typical mistakes' results on the notebook's inputs, and the right gradients there
    (notebook_diagnoses.json, computed by the course's build; {} without it)."""
    try:
        with open(_package_file("notebook_diagnoses.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


# {"layers": {part: {"expected": [...], "mistakes": [[hint id, [...]]]}}, "loss": {cell: ...}, "sample": {...}}
NOTEBOOK_DIAGNOSES = _notebook_diagnoses()

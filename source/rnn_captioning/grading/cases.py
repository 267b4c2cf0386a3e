"""The hidden inputs: which functions each part calls, and seeded random cases.

Everything here stays on the trusted side. Reports show only the shapes of
these inputs, never their values.
"""
import os
import threading

import numpy as np

from .cells import CELLS
from .public import public_module

# numpy's global generator is shared by the lanes, which run checks in threads. A
# trusted-side step that seeds it and draws (the notebook's inputs, the small
# training set), or only draws (the reference model's initial weights), holds
# this lock, so that another lane's draws cannot land in between and change its
# values from one grading to the next.
GLOBAL_RNG = threading.Lock()

# Hidden seed base: changing it (AUTOGRADER_HIDDEN_SEED) changes every hidden
# input; the calibration in TOLERANCES.md ran over 100 of these.
HIDDEN_SEED = int(os.environ.get("AUTOGRADER_HIDDEN_SEED", "20240611"))

# (N, T, D, H) of the ordinary-shape cases: every dimension 2 or more, D != H.
VARIED_SHAPES = [(2, 3, 4, 5), (3, 2, 2, 3), (4, 4, 3, 2)]
# The edge cases' shapes: every dimension is 1 somewhere (a check of their own).
UNIT_SHAPES = [(1, 1, 1, 1), (3, 1, 2, 1), (1, 4, 3, 2), (4, 2, 1, 3)]
# Small shapes for the finite-difference checks (cost grows with their size).
NUMERIC_SHAPES = [(2, 3, 3, 2), (2, 2, 2, 3)]
FLOAT32_SHAPES = [(3, 4, 5, 6), (2, 3, 2, 4)]
# Step functions also get inputs whose pre-activations sit near +-50 (saturated
# units), where a hand-written tanh or sigmoid overflows; float64 and float32.
SATURATED_SHAPES = [(2, 3, 4, 5), (1, 2, 3, 1)]
SATURATING_PARTS = tuple(part for part, (spec, _) in public_module("check_data").LAYER_PARTS.items() if spec.step)


# The layer signatures are the notebook's (captioning/check_data.py, public).
_public = public_module("check_data")
LayerSpec, LAYERS, LAYER_PARTS = _public.LayerSpec, _public.LAYERS, _public.LAYER_PARTS
RNN_STEP, RNN, EMBEDDING, LSTM_STEP, LSTM = (_public.RNN_STEP, _public.RNN, _public.EMBEDDING,
                                             _public.LSTM_STEP, _public.LSTM)


def rng_for(*keys):
    """A generator seeded by the hidden seed and a description of the case."""
    text = "|".join(str(k) for k in keys)
    return np.random.default_rng([HIDDEN_SEED, sum(ord(c) * (i + 1) for i, c in enumerate(text))])


def saturating_bias(size, rng, dtype, gates=1):
    """A third of the units near -50, a third near +50 (the first unit of each
    gate among the former): tanh and sigmoid saturate there, and exp(100)
    overflows float32."""
    pattern = np.resize(np.array([-50.0, 50.0, 0.0]), size)
    pattern[::max(size // gates, 1)] = -50.0
    return (pattern + 0.1 * rng.standard_normal(size)).astype(dtype)


def random_layer_inputs(spec, shape, dtype, rng, saturated=False):
    """Inputs (and upstream gradients) of spec for shape (N, T, D, H)."""
    N, T, D, H = shape

    def randn(*dims, scale=1.0):
        return (scale * rng.standard_normal(dims)).astype(dtype)

    if spec.integer_args:      # word indices into W
        V = H + 2
        x = rng.integers(0, V, size=(N, T))
        return {"x": x, "W": randn(V, D), "dout": randn(N, T, D)}
    gates = spec.gates
    # Weights scaled so the nonlinearities are neither linear nor saturated:
    # a missing derivative factor must show. In a saturated case the units
    # biased at +-50 are fully saturated and the others stay near the linear
    # range (|a| well below 3): no half-saturated unit whose float32
    # derivative 1 - tanh(a)^2 would lose most of its digits.
    weight = (lambda fan_in: 0.3 / np.sqrt(fan_in)) if saturated else (lambda fan_in: 0.8 / np.sqrt(fan_in) + 0.3)
    case = {"Wx": randn(D, gates * H, scale=weight(D)),
            "Wh": randn(H, gates * H, scale=weight(H)),
            "b": saturating_bias(gates * H, rng, dtype, gates) if saturated else randn(gates * H, scale=0.5)}
    if spec.step:
        case.update(x=randn(N, D), prev_h=randn(N, H), dnext_h=randn(N, H))
        if "prev_c" in spec.args:
            case.update(prev_c=randn(N, H), dnext_c=randn(N, H))
    else:
        case.update(x=randn(N, T, D), h0=randn(N, H), dout=randn(N, T, H))
    return case


def repeated_index_inputs(rng):
    """word_embedding inputs where a few words occur many times (and some never)."""
    N, T, V, D = 6, 5, 9, 4
    x = rng.choice([1, 1, 1, 4, 4, 7], size=(N, T))
    return {"x": x, "W": rng.standard_normal((V, D)), "dout": rng.standard_normal((N, T, D))}


# ---------------------------------------------------------------------------
# CaptioningRNN cases
# ---------------------------------------------------------------------------

MODEL_WORDS = ["<NULL>", "<START>", "<END>", "a", "cat", "dog", "on", "the", "mat", "runs", "sits"]


def vocabulary(size):
    words = MODEL_WORDS[:size] + ["w%d" % i for i in range(max(0, size - len(MODEL_WORDS)))]
    return {w: i for i, w in enumerate(words)}


def random_params(shapes, rng, dtype, scale=1.0, saturated=False):
    scale = scale * (0.3 if saturated else 1.0)     # the unsaturated units near the linear range
    params = {name: (scale * rng.standard_normal(shape) / np.sqrt(max(shape[0], 1))).astype(dtype)
              for name, shape in shapes.items()}
    if saturated:
        G, H = shapes["b"][0], shapes["Wh"][0]
        params["b"] = saturating_bias(G, rng, dtype, gates=G // H)
    return params


def param_shapes(cell_type, D, W, H, V):
    G = CELLS[cell_type].gates * H
    return {"W_proj": (D, H), "b_proj": (H,), "W_embed": (V, W), "Wx": (W, G), "Wh": (H, G),
            "b": (G,), "W_vocab": (H, V), "b_vocab": (V,)}


def random_captions(rng, N, T, V, padding=0.5):
    """Captions like the dataset's: <START> words <END> then <NULL> padding."""
    captions = np.zeros((N, T), dtype=np.int32)
    for row in range(N):
        length = int(rng.integers(1, T - 1)) if T > 2 else 0
        if rng.random() > padding:
            length = T - 2
        captions[row, 0] = 1
        captions[row, 1:1 + length] = rng.integers(3, V, size=length)
        if 1 + length < T:
            captions[row, 1 + length] = 2
    return captions


# (N, T, D, W, H, V) of the hidden model cases: ordinary shapes, and the edge cases' size-1 ones
MODEL_SHAPES = [(3, 6, 5, 4, 3, 11), (2, 9, 4, 6, 2, 20), (4, 5, 3, 5, 4, 12)]
UNIT_MODEL_SHAPES = [(1, 4, 2, 3, 5, 8), (4, 2, 3, 1, 1, 6), (2, 3, 1, 2, 3, 7)]
# float32 models of the loss: a plain one, and (an edge case) one with saturated cell units
FLOAT32_MODEL_SHAPES = [((3, 5, 4, 3, 4, 9), False)]
SATURATED_MODEL_SHAPES = [((2, 6, 3, 4, 5, 10), True)]
# (N, max_length, D, W, H, V) of the hidden sampling cases, ordinary and size-1
SAMPLE_SHAPES = [(3, 7, 5, 4, 6, 9), (5, 12, 4, 3, 2, 11), (2, 6, 3, 4, 3, 10)]
UNIT_SAMPLE_SHAPES = [(1, 1, 3, 2, 4, 8), (2, 5, 1, 1, 1, 6), (1, 6, 4, 3, 5, 9)]
# a float32 sampling model with saturated cell units (an edge case)
SATURATED_SAMPLE_SHAPES = [(3, 6, 4, 3, 5, 9)]

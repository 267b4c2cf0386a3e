"""Proves the corpus is what it says, in process, with numpy only.

    .venv/bin/python source/rnn_captioning/grading/quality/corpus/check_corpus.py [-v] [NAME ...]

The reference package (source/rnn_captioning/captioning) is imported by path
under a private module name, and every variant, materialized on top of
release/rnn_captioning into a temporary folder, under another one. For each
of the 14 parts that can be decided here (the two overfit parts cannot), a
variant's functions are run on random inputs and compared with the reference
under the grading policy the kit is moving to:

- float64 inputs: relative error (max |a-b| / max(1e-8, |a|+|b|)) < 1e-7;
  float32 inputs: scaled error (max |a-b| / max |b|) < 1e-3 against the
  float64 reference on the same values; a float64 result for float32 inputs
  is right, a lower precision or a non-float result is wrong; shapes exact,
  no NaN or inf.
- shapes with N, T, D, H each 1 somewhere, D != H, and inputs whose
  pre-activations sit near +-50 (saturated units), in float64 and float32.
- one mistake, one charge: a part that fails is judged again with the graded
  layer functions it may call (all but its own forward / backward pair)
  replaced by the reference's, when they are written (their body is more
  than the starter's placeholders) and not degenerate (zeros, a constant, an
  input unchanged). A replaced forward returns the reference's outputs with
  the variant's own cache when its own forward gives one (its backward code
  may read it); a replaced backward computes the reference's gradients of
  the call that made the cache it is given. Right that way is right.
- loss: the loss and every gradient on random models of both cell types
  (mostly padded captions included, N=1, W=1, H=1); float32 models too.
- sample: rows compared up to and including the reference's first <END>.
  Models are built with cell_type = sys.intern("rnn") / "lstm", as a notebook
  literal is, so `self.cell_type is 'rnn'` works here exactly as in Jupyter.

A correct variant must pass all 14 parts. A bug must fail every part its
LOSES declares (overfit parts excepted) and pass every part it does not
declare. Prints a table; exit status 1 on any violation.
"""
import argparse
import importlib
import importlib.util
import io
import contextlib
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parent
ROOT = CORPUS.parents[4]
REFERENCE_PACKAGE = ROOT / "source" / "rnn_captioning" / "captioning"
RELEASE = ROOT / "release" / "rnn_captioning"

PARTS = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
         "word_embedding_forward", "word_embedding_backward", "rnn_loss", "overfit_rnn", "rnn_sample",
         "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
         "lstm_loss", "overfit_lstm", "lstm_sample"]
UNDECIDABLE = {"overfit_rnn", "overfit_lstm"}
SHORT = {"rnn_step_forward": "rsf", "rnn_step_backward": "rsb", "rnn_forward": "rf", "rnn_backward": "rb",
         "word_embedding_forward": "ef", "word_embedding_backward": "eb", "rnn_loss": "rL",
         "overfit_rnn": "rO", "rnn_sample": "rS", "lstm_step_forward": "lsf", "lstm_step_backward": "lsb",
         "lstm_forward": "lf", "lstm_backward": "lb", "lstm_loss": "lL", "overfit_lstm": "lO",
         "lstm_sample": "lS"}

REL_TOL = 1e-7
SCALED_TOL = 1e-3

# ---------------------------------------------------------------------------
# importing by path under private names
# ---------------------------------------------------------------------------


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def import_package(package_dir, name):
    """Import package_dir (a `captioning` folder) as `name`; returns (layers, model class, errors)."""
    spec = importlib.util.spec_from_file_location(name, package_dir / "__init__.py",
                                                  submodule_search_locations=[str(package_dir)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    layers = model = None
    errors = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            layers = importlib.import_module(name + ".rnn_layers")
        except BaseException as exc:  # noqa: BLE001 - a variant may raise anything
            errors["layers"] = "import: %s: %s" % (type(exc).__name__, exc)
        try:
            model = importlib.import_module(name + ".classifiers.rnn").CaptioningRNN
        except BaseException as exc:  # noqa: BLE001
            errors["model"] = "import: %s: %s" % (type(exc).__name__, exc)
    return layers, model, errors


MATERIALIZE = load_module(CORPUS / "materialize.py", "_corpus_check_materialize")
REF_LAYERS, REF_MODEL, _ref_errors = import_package(REFERENCE_PACKAGE, "_corpus_check_reference")
if _ref_errors:
    raise SystemExit("the reference does not import: %s" % _ref_errors)
# The hint catalogue is the package's own (diagnosis.HINTS); "upstream:<part>" is also allowed.
HINTS = set(importlib.import_module("_corpus_check_reference.diagnosis").HINTS)


# ---------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------

class Wrong(Exception):
    """A part's result differs from the reference (the message says how)."""


def relative_error(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return 0.0 if a.size == 0 else float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def scaled_error(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return 0.0 if a.size == 0 else float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-12))


def check_float(label, got, ref, in_dtype):
    """got (the variant's) against ref (float64 reference) for inputs of in_dtype."""
    if isinstance(got, (float, np.floating)) and np.ndim(ref) == 0:
        got = np.asarray(got)
    if not isinstance(got, np.ndarray):
        raise Wrong("%s is %s, not an array" % (label, type(got).__name__))
    if got.dtype.kind != "f":
        raise Wrong("%s has dtype %s, not floating point" % (label, got.dtype))
    if got.dtype.itemsize < np.dtype(in_dtype).itemsize:
        raise Wrong("%s has dtype %s for %s inputs (lower precision)" % (label, got.dtype, np.dtype(in_dtype)))
    if got.shape != np.shape(ref):
        raise Wrong("%s has shape %s, expected %s" % (label, got.shape, np.shape(ref)))
    if not np.all(np.isfinite(got)):
        raise Wrong("%s has NaN or inf" % label)
    if np.dtype(in_dtype) == np.float64:
        err = relative_error(got, ref)
        if not err < REL_TOL:
            raise Wrong("%s: relative error %.1e" % (label, err))
    else:
        err = scaled_error(got, ref)
        if not err < SCALED_TOL:
            raise Wrong("%s: scaled error %.1e (float32)" % (label, err))


def as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def copies(arrays):
    return [a.copy() for a in arrays]


class MutationLog:
    """Which functions changed an argument in place (informational)."""

    def __init__(self):
        self.functions = set()

    def call(self, name, function, *args):
        before = [a.copy() if isinstance(a, np.ndarray) else None for a in args]
        result = function(*args)
        for old, new in zip(before, args):
            if old is not None and not np.array_equal(old, new, equal_nan=True):
                self.functions.add(name)
        return result


# ---------------------------------------------------------------------------
# layer inputs
# ---------------------------------------------------------------------------

LAYER_SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 1, 2, 1), (1, 4, 3, 2), (4, 2, 1, 3), (3, 5, 6, 4)]
FLOAT32_SHAPES = [(3, 4, 5, 6), (1, 2, 1, 3)]
SATURATED_SHAPES = [(2, 3, 4, 5), (1, 2, 3, 1), (3, 4, 2, 6)]


def layer_inputs(kind, shape, dtype, rng, saturated=False):
    """kind: rnn_step, rnn, embedding, lstm_step, lstm."""
    N, T, D, H = shape

    def randn(*dims, scale=1.0):
        return (scale * rng.standard_normal(dims)).astype(dtype)

    if kind == "embedding":
        V = H + 2
        return {"x": rng.integers(0, V, size=(N, T)), "W": randn(V, D), "dout": randn(N, T, D)}
    G = 4 * H if kind.startswith("lstm") else H
    case = {"Wx": randn(D, G, scale=0.8 / np.sqrt(D) + 0.3), "Wh": randn(H, G, scale=0.8 / np.sqrt(H) + 0.3),
            "b": randn(G, scale=0.5)}
    if saturated:
        # about a third of the units near +50, a third near -50: tanh and
        # sigmoid saturate there, and exp(2 * 50) overflows float32.
        case["b"] = (50.0 * rng.choice([-1.0, 0.0, 1.0], size=G) + 0.1 * rng.standard_normal(G)).astype(dtype)
    if kind in ("rnn_step", "lstm_step"):
        case.update(x=randn(N, D), prev_h=randn(N, H), dnext_h=randn(N, H))
        if kind == "lstm_step":
            case.update(prev_c=randn(N, H), dnext_c=randn(N, H))
    else:
        case.update(x=randn(N, T, D), h0=randn(N, H), dout=randn(N, T, H))
    return case


SPECS = {   # part -> (kind, forward, backward or None, forward args, upstream names, number of outputs)
    "rnn_step_forward": ("rnn_step", "rnn_step_forward", None, ("x", "prev_h", "Wx", "Wh", "b"), (), 1),
    "rnn_step_backward": ("rnn_step", "rnn_step_forward", "rnn_step_backward", ("x", "prev_h", "Wx", "Wh", "b"),
                          ("dnext_h",), 1),
    "rnn_forward": ("rnn", "rnn_forward", None, ("x", "h0", "Wx", "Wh", "b"), (), 1),
    "rnn_backward": ("rnn", "rnn_forward", "rnn_backward", ("x", "h0", "Wx", "Wh", "b"), ("dout",), 1),
    "word_embedding_forward": ("embedding", "word_embedding_forward", None, ("x", "W"), (), 1),
    "word_embedding_backward": ("embedding", "word_embedding_forward", "word_embedding_backward", ("x", "W"),
                                ("dout",), 1),
    "lstm_step_forward": ("lstm_step", "lstm_step_forward", None, ("x", "prev_h", "prev_c", "Wx", "Wh", "b"), (), 2),
    "lstm_step_backward": ("lstm_step", "lstm_step_forward", "lstm_step_backward",
                           ("x", "prev_h", "prev_c", "Wx", "Wh", "b"), ("dnext_h", "dnext_c"), 2),
    "lstm_forward": ("lstm", "lstm_forward", None, ("x", "h0", "Wx", "Wh", "b"), (), 1),
    "lstm_backward": ("lstm", "lstm_forward", "lstm_backward", ("x", "h0", "Wx", "Wh", "b"), ("dout",), 1),
}


def reference_layer(spec, case):
    kind, fwd, bwd, args, upstream, n_out = spec
    values = [case[a] if a == "x" and kind == "embedding" else np.asarray(case[a], np.float64) for a in args]
    result = getattr(REF_LAYERS, fwd)(*values)
    if bwd is None:
        return list(result[:n_out])
    grads = getattr(REF_LAYERS, bwd)(*[np.asarray(case[u], np.float64) for u in upstream], result[-1])
    return list(as_tuple(grads))


# ---------------------------------------------------------------------------
# one mistake, one charge: the variant's functions replaced by the reference's
# ---------------------------------------------------------------------------

LAYER_FUNCTIONS = {}    # function name -> (args, upstream, number of outputs, its forward if a backward)
for _part, (_kind, _fwd, _bwd, _args, _up, _n) in SPECS.items():
    LAYER_FUNCTIONS[_part] = (_args, _up, _n, _fwd if _bwd else None)
PAIRS = {part: {SPECS[part][1], SPECS[part][1].replace("forward", "backward")} for part in SPECS}
CALLERS = {"rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward"}   # layers that call other graded layers
# Who may be handed a forward's cache: its backward, and a composite backward for a step's.
CONSUMERS = {"rnn_step_forward": {"rnn_step_backward", "rnn_backward"}, "rnn_forward": {"rnn_backward"},
             "word_embedding_forward": {"word_embedding_backward"},
             "lstm_step_forward": {"lstm_step_backward", "lstm_backward"}, "lstm_forward": {"lstm_backward"}}


def placeholder_only(body):
    """Whether a function body holds nothing but the starter's kind of statements."""
    import ast
    for statement in body:
        if isinstance(statement, (ast.Pass, ast.Raise)) or (
                isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
            continue
        value = getattr(statement, "value", None)
        none = isinstance(value, ast.Constant) and value.value is None or (
            isinstance(value, ast.Tuple) and all(isinstance(e, ast.Constant) and e.value is None for e in value.elts))
        if isinstance(statement, ast.Assign) and none:
            continue
        if isinstance(statement, ast.Return) and (value is None or none or isinstance(value, ast.Name) or (
                isinstance(value, ast.Tuple) and all(isinstance(e, (ast.Name, ast.Constant)) for e in value.elts))):
            continue
        return False
    return True


def written_layers(path):
    import ast
    tree = ast.parse(Path(path).read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not placeholder_only(node.body)}


def degenerate(values, others, inputs):
    values = [v for v in values if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    if not values or all(not np.any(v) for v in values):
        return True
    if len(others) == len(values) and all(np.shape(a) == np.shape(b) and np.array_equal(a, b)
                                          for a, b in zip(values, others)):
        return True
    return any(np.shape(arg) == v.shape and np.allclose(v, arg) for v in values for arg in inputs)


def usable_layers(L, path):
    """The graded layer functions that may be replaced: written and not degenerate."""
    written, usable = written_layers(path), set()
    for part, spec in SPECS.items():
        if part not in written:
            continue
        kind, fwd, bwd, args, upstream, n_out = spec
        probes = [layer_inputs(kind, (2, 3, 4, 5), np.float64, rng(part, "probe", k)) for k in range(2)]
        try:
            got = [variant_layer(L, spec, case, MutationLog()) for case in probes]
        except Exception:  # noqa: BLE001 - written, and it raises: it may be replaced
            usable.add(part)
            continue
        inputs = [probes[0][a] for a in (upstream if bwd else args)]
        if not degenerate(got[0], got[1], inputs):
            usable.add(part)
    return usable


class ReplacedCache(tuple):
    """A replaced forward's cache when the variant's own forward raised: the call's arguments."""


class Replaced:
    """The variant's functions `names` replaced by the reference's, in its layers module and in
    every module of its package that holds them, for a `with` block."""

    def __init__(self, package_name, names):
        self.package_name, self.names, self.undo, self.inputs = package_name, set(names), [], {}

    def _forward(self, name, own):
        n_out = LAYER_FUNCTIONS[name][2]
        own_cache = not CONSUMERS[name] <= self.names      # the variant's code may still read its cache

        def replaced(*values):
            result = getattr(REF_LAYERS, name)(*values)
            cache = None
            if own_cache and own is not None:
                try:
                    cache = as_tuple(own(*[np.array(v, copy=True) for v in values]))[-1]
                except Exception:  # noqa: BLE001
                    cache = None
            cache = cache if cache is not None else ReplacedCache(values)   # its arguments, x first
            self.inputs[id(cache)] = (cache, values)
            return tuple(result[:n_out]) + (cache,)
        return replaced

    def _recorded(self, name, own):
        def recorded(*values):
            result = own(*values)
            cache = as_tuple(result)[-1]
            self.inputs[id(cache)] = (cache, values)
            return result
        return recorded

    def _backward(self, name):
        forward = LAYER_FUNCTIONS[name][3]

        def replaced(*values):
            *upstream, cache = values
            entry = self.inputs.get(id(cache))
            if entry is None or entry[0] is not cache:
                raise TypeError("a cache made elsewhere")
            result = getattr(REF_LAYERS, forward)(*entry[1])
            return getattr(REF_LAYERS, name)(*upstream, result[-1])
        return replaced

    def __enter__(self):
        modules = [m for n, m in list(sys.modules.items()) if m is not None and
                   (n == self.package_name or n.startswith(self.package_name + "."))]
        layers = sys.modules.get(self.package_name + ".rnn_layers")
        wanted = dict()
        for name in self.names:
            if LAYER_FUNCTIONS[name][3] is None:
                wanted[name] = self._forward(name, getattr(layers, name, None))
            else:
                wanted[name] = self._backward(name)
                forward = LAYER_FUNCTIONS[name][3]
                if forward not in self.names and hasattr(layers, forward):
                    wanted[forward] = self._recorded(forward, getattr(layers, forward))
        for module in modules:
            for attribute in list(vars(module)):
                if attribute in wanted and callable(vars(module)[attribute]):
                    self.undo.append((module, attribute, vars(module)[attribute]))
                    setattr(module, attribute, wanted[attribute])
        return self

    def __exit__(self, *exc):
        for module, attribute, value in reversed(self.undo):
            setattr(module, attribute, value)
        return False


def variant_layer(L, spec, case, log):
    kind, fwd, bwd, args, upstream, n_out = spec
    result = as_tuple(log.call(fwd, getattr(L, fwd), *copies([case[a] for a in args])))
    if bwd is None:
        return list(result[:n_out])
    grads = log.call(bwd, getattr(L, bwd), *copies([case[u] for u in upstream]), result[-1])
    return list(as_tuple(grads))


def layer_cases(part):
    kind = SPECS[part][0]
    out = []
    for k, shape in enumerate(LAYER_SHAPES):
        out.append(("%s f64" % (shape,), np.float64, layer_inputs(kind, shape, np.float64, rng(part, "f64", k))))
    for k, shape in enumerate(FLOAT32_SHAPES):
        out.append(("%s f32" % (shape,), np.float32, layer_inputs(kind, shape, np.float32, rng(part, "f32", k))))
    if kind != "embedding":
        for k, shape in enumerate(SATURATED_SHAPES):
            for dtype in (np.float64, np.float32):
                out.append(("%s saturated %s" % (shape, np.dtype(dtype).name), dtype,
                            layer_inputs(kind, shape, dtype, rng(part, "sat", k, np.dtype(dtype).name), True)))
    else:
        N, T, V, D = 6, 5, 9, 4     # a few words many times, some never
        g = rng(part, "repeated")
        out.append(("repeated words", np.float64, {"x": g.choice([1, 1, 1, 4, 4, 7], size=(N, T)),
                                                   "W": g.standard_normal((V, D)),
                                                   "dout": g.standard_normal((N, T, D))}))
    return out


def rng(*keys):
    text = "|".join(str(k) for k in keys)
    return np.random.default_rng([20240611, sum(ord(c) * (i + 1) for i, c in enumerate(text))])


_LAYER_CASES = {part: layer_cases(part) for part in SPECS}
_LAYER_EXPECTED = {part: [reference_layer(SPECS[part], case) for _, _, case in cases]
                   for part, cases in _LAYER_CASES.items()}


def judge_layer_once(L, part, log):
    """None when right on every case; else a message."""
    spec = SPECS[part]
    labels = ["out%d" % k for k in range(spec[5])] if spec[2] is None else ["grad%d" % k for k in range(6)]
    for (name, dtype, case), expected in zip(_LAYER_CASES[part], _LAYER_EXPECTED[part]):
        try:
            got = variant_layer(L, spec, case, log)
        except Exception as exc:  # noqa: BLE001
            return "%s: raised %s: %s" % (name, type(exc).__name__, str(exc)[:80])
        try:
            if len(got) < len(expected):
                raise Wrong("returned %d values, expected %d" % (len(got), len(expected)))
            for label, g, e in zip(labels, got, expected):
                check_float(label, g, e, dtype)
        except Wrong as wrong:
            return "%s: %s" % (name, wrong)
    return None


def judge_layer(L, part, log, context):
    """(None when right, else a message; whether it is right only with callees replaced)."""
    message = judge_layer_once(L, part, log)
    if message is None or part not in CALLERS:
        return message, False
    names = context["usable"] - PAIRS[part]
    with Replaced(context["package"], names):
        again = judge_layer_once(L, part, MutationLog())
    return (None, True) if again is None else (message, False)


# ---------------------------------------------------------------------------
# CaptioningRNN
# ---------------------------------------------------------------------------

WORDS = ["<NULL>", "<START>", "<END>", "a", "cat", "dog", "on", "the", "mat", "runs", "sits"]


def vocabulary(size):
    words = WORDS[:size] + ["w%d" % i for i in range(max(0, size - len(WORDS)))]
    return {w: i for i, w in enumerate(words)}


def param_shapes(cell, D, W, H, V):
    G = 4 * H if cell == "lstm" else H
    return {"W_proj": (D, H), "b_proj": (H,), "W_embed": (V, W), "Wx": (W, G), "Wh": (H, G), "b": (G,),
            "W_vocab": (H, V), "b_vocab": (V,)}


def random_params(cell, D, W, H, V, g, dtype, scale=1.0, saturated=False):
    params = {k: (scale * g.standard_normal(s) / np.sqrt(max(s[0], 1))).astype(dtype)
              for k, s in param_shapes(cell, D, W, H, V).items()}
    if saturated:
        # cell pre-activations near +-50 for two thirds of the units (float32 exp(100) overflows)
        G = params["b"].shape[0]
        params["b"] = (50.0 * g.choice([-1.0, 0.0, 1.0], size=G) + 0.1 * g.standard_normal(G)).astype(dtype)
    return params


def random_captions(g, N, T, V, padding):
    captions = np.zeros((N, T), dtype=np.int32)
    for row in range(N):
        length = int(g.integers(1, T - 1)) if T > 2 else 0
        if g.random() > padding:
            length = T - 2
        captions[row, 0] = 1
        captions[row, 1:1 + length] = g.integers(3, V, size=length)
        if 1 + length < T:
            captions[row, 1 + length] = 2
    return captions


def build_model(cls, case):
    with contextlib.redirect_stdout(io.StringIO()):
        model = cls(case["word_to_idx"], input_dim=case["D"], wordvec_dim=case["W"], hidden_dim=case["H"],
                    cell_type=sys.intern(case["cell"]), dtype=case["dtype"])
    model.params = {k: v.copy() for k, v in case["params"].items()}
    return model


LOSS_SHAPES = [(3, 6, 5, 4, 3, 11), (1, 4, 2, 3, 5, 8), (4, 2, 3, 1, 1, 6), (2, 9, 4, 6, 2, 20),
               (5, 7, 1, 3, 4, 10), (2, 3, 6, 5, 7, 12)]
SAMPLE_SHAPES = [(3, 7, 5, 4, 6, 9), (1, 1, 3, 2, 4, 8), (5, 12, 4, 3, 2, 11), (2, 5, 1, 1, 1, 6),
                 (4, 10, 6, 5, 7, 12), (1, 6, 2, 3, 3, 7)]


def loss_cases(cell):
    out = []
    for padding in (0.5, 1.0):
        for k, (N, T, D, W, H, V) in enumerate(LOSS_SHAPES):
            g = rng(cell, "loss", padding, k)
            out.append(dict(cell=cell, D=D, W=W, H=H, word_to_idx=vocabulary(V), dtype=np.float64,
                            params=random_params(cell, D, W, H, V, g, np.float64),
                            features=g.standard_normal((N, D)),
                            captions=random_captions(g, N, T, V, padding),
                            name="loss %s pad=%.1f" % ((N, T, D, W, H, V), padding)))
    for saturated in (False, True):
        for k, (N, T, D, W, H, V) in enumerate(LOSS_SHAPES[:3]):
            g = rng(cell, "loss32", saturated, k)
            out.append(dict(cell=cell, D=D, W=W, H=H, word_to_idx=vocabulary(V), dtype=np.float32,
                            params=random_params(cell, D, W, H, V, g, np.float32, saturated=saturated),
                            features=g.standard_normal((N, D)).astype(np.float32),
                            captions=random_captions(g, N, T, V, 0.5),
                            name="loss %s float32%s" % ((N, T, D, W, H, V), " saturated" * saturated)))
    for case in out:
        p64 = {k: v.astype(np.float64) for k, v in case["params"].items()}
        ref = build_model(REF_MODEL, dict(case, params=p64, dtype=np.float64))
        case["expected"] = ref.loss(case["features"].astype(np.float64), case["captions"])
    return out


def greedy_margin(case):
    p = {k: np.asarray(v, np.float64) for k, v in case["params"].items()}
    h = case["features"].astype(np.float64) @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    word = np.full(h.shape[0], 1)
    margin = np.inf
    for _ in range(case["max_length"]):
        x = p["W_embed"][word]
        if case["cell"] == "rnn":
            h, _ = REF_LAYERS.rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = REF_LAYERS.lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        scores = h @ p["W_vocab"] + p["b_vocab"]
        top = np.sort(scores, axis=1)
        margin = min(margin, float(np.min(top[:, -1] - top[:, -2])))
        word = scores.argmax(axis=1)
    return margin


def sample_cases(cell):
    out = []
    settings = [(np.float64, False, SAMPLE_SHAPES), (np.float32, False, SAMPLE_SHAPES),
                (np.float32, True, SAMPLE_SHAPES[:3])]
    for dtype, saturated, shapes in settings:
        for k, (N, L, D, W, H, V) in enumerate(shapes):
            for attempt in range(200):
                g = rng(cell, "sample", np.dtype(dtype).name, saturated, k, attempt)
                case = dict(cell=cell, D=D, W=W, H=H, word_to_idx=vocabulary(V), dtype=dtype, max_length=L,
                            params=random_params(cell, D, W, H, V, g, dtype, scale=2.0, saturated=saturated),
                            features=g.standard_normal((N, D)).astype(dtype),
                            name="sample %s %s%s" % ((N, L, D, W, H, V), np.dtype(dtype).name,
                                                     " saturated" * saturated))
                if greedy_margin(case) > 1e-3:
                    break
            case["expected"] = build_model(REF_MODEL, case).sample(case["features"], max_length=L)
            out.append(case)
    return out


_LOSS_CASES = {cell: loss_cases(cell) for cell in ("rnn", "lstm")}
_SAMPLE_CASES = {cell: sample_cases(cell) for cell in ("rnn", "lstm")}


def judge_loss(cls, cell):
    for case in _LOSS_CASES[cell]:
        exp_loss, exp_grads = case["expected"]
        try:
            model = build_model(cls, case)
            with contextlib.redirect_stdout(io.StringIO()):
                got_loss, got_grads = model.loss(case["features"].copy(), case["captions"].copy())
        except Exception as exc:  # noqa: BLE001
            return "%s: raised %s: %s" % (case["name"], type(exc).__name__, str(exc)[:80])
        try:
            if isinstance(got_loss, (float, np.floating, int)):
                got_loss = np.asarray(got_loss, dtype=np.float64 if isinstance(got_loss, (float, int))
                                      else got_loss.dtype)
            check_float("loss", np.reshape(got_loss, ()) if np.size(got_loss) == 1 else got_loss,
                        np.asarray(exp_loss), case["dtype"])
            if not isinstance(got_grads, dict):
                raise Wrong("grads is not a dict")
            for name in sorted(exp_grads):
                if name not in got_grads:
                    raise Wrong("grads['%s'] missing" % name)
                check_float("grads['%s']" % name, got_grads[name], exp_grads[name], case["dtype"])
        except Wrong as wrong:
            return "%s: %s" % (case["name"], wrong)
    return None


def judge_sample(cls, cell):
    for case in _SAMPLE_CASES[cell]:
        expected = case["expected"]
        try:
            model = build_model(cls, case)
            with contextlib.redirect_stdout(io.StringIO()):
                got = model.sample(case["features"].copy(), max_length=case["max_length"])
        except Exception as exc:  # noqa: BLE001
            return "%s: raised %s: %s" % (case["name"], type(exc).__name__, str(exc)[:80])
        if not isinstance(got, np.ndarray) or got.dtype.kind not in "iu":
            return "%s: captions are not an integer array (%s)" % (case["name"], getattr(got, "dtype", type(got)))
        if got.shape != expected.shape:
            return "%s: captions have shape %s, expected %s" % (case["name"], got.shape, expected.shape)
        for row, (mine, theirs) in enumerate(zip(got, expected)):
            ends = np.flatnonzero(theirs == 2)
            stop = ends[0] + 1 if ends.size else theirs.size
            if not np.array_equal(mine[:stop], theirs[:stop]):
                return "%s: row %d differs (%s vs %s)" % (case["name"], row, mine[:stop], theirs[:stop])
    return None


# ---------------------------------------------------------------------------
# the corpus
# ---------------------------------------------------------------------------

def judge_model(judge, M, cell, context):
    """(None when right, else a message; whether right only with the layers replaced)."""
    message = judge(M, cell)
    if message is None or not context["usable"]:
        return message, False
    with Replaced(context["package"], context["usable"]):
        again = judge(M, cell)
    return (None, True) if again is None else (message, False)


def judge_variant(variant, tmp):
    """{part: None (right) or message}, set of parts right only with callees replaced, mutating functions."""
    out = MATERIALIZE.materialize(variant.path, RELEASE, Path(tmp) / variant.name, force=True)
    name = "_corpus_check_v_%s" % variant.name
    L, M, errors = import_package(out / "captioning", name)
    verdicts, replaced, log = {}, set(), MutationLog()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        context = {"package": name, "usable": usable_layers(L, out / "captioning" / "rnn_layers.py")
                   if L is not None else set()}
        for part in SPECS:
            if L is None:
                verdicts[part] = errors["layers"]
                continue
            message, used = judge_layer(L, part, log, context)
            verdicts[part] = message
            if used:
                replaced.add(part)
        for cell in ("rnn", "lstm"):
            for part, judge in (("%s_loss" % cell, judge_loss), ("%s_sample" % cell, judge_sample)):
                if M is None:
                    verdicts[part] = errors["model"]
                    continue
                verdicts[part], used = judge_model(judge, M, cell, context)
                if used:
                    replaced.add(part)
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        del sys.modules[key]
    return verdicts, replaced, log.functions


def metadata_problems(variant, names):
    problems = []
    if "\n" in variant.description:
        problems.append("the docstring must be one line")
    for part, hint in variant.loses.items():
        if part not in PARTS:
            problems.append("LOSES names an unknown part %r" % part)
        if hint.startswith("upstream:"):
            if hint.split(":", 1)[1] not in PARTS:
                problems.append("LOSES %s: unknown upstream part %r" % (part, hint))
        elif hint not in HINTS:
            problems.append("LOSES %s: unknown hint %r" % (part, hint))
    if variant.kind == "bug" and names.get(variant.base) != "correct":
        problems.append("BASE %r is not a correct variant of the corpus" % variant.base)
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description="check the corpus against the reference")
    parser.add_argument("names", nargs="*", help="only these variants (default: all)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every failing part's message")
    args = parser.parse_args(argv)
    started = time.time()
    variants = MATERIALIZE.all_variants(CORPUS)
    kinds = {v.name: v.kind for v in variants}
    if args.names:
        variants = [v for v in variants if v.name in args.names]
    decided = [p for p in PARTS if p not in UNDECIDABLE]
    header = "%-34s %-7s " % ("variant", "kind") + " ".join("%3s" % SHORT[p] for p in decided) + "  result"
    print(header)
    print("-" * len(header))
    violations, n_correct, n_bug, mutating, credited = 0, 0, 0, {}, {}
    with tempfile.TemporaryDirectory(prefix="corpus-check-") as tmp:
        for variant in variants:
            problems = metadata_problems(variant, kinds)
            try:
                verdicts, replaced, mutated = judge_variant(variant, tmp)
            except Exception as exc:  # noqa: BLE001 - a corpus file that cannot be materialized
                problems.append("cannot be checked: %s" % "".join(
                    traceback.format_exception_only(type(exc), exc)).strip())
                verdicts, replaced, mutated = {p: "not run" for p in decided}, set(), set()
            if mutated:
                mutating[variant.name] = sorted(mutated)
            if replaced:
                credited[variant.name] = sorted(replaced)
            cells = []
            for part in decided:
                wrong = verdicts[part] is not None
                declared = part in variant.loses
                if variant.kind == "correct" and wrong:
                    problems.append("%s differs from the reference: %s" % (part, verdicts[part]))
                if variant.kind == "bug" and wrong and not declared:
                    problems.append("%s differs but is not declared: %s" % (part, verdicts[part]))
                if variant.kind == "bug" and declared and not wrong:
                    problems.append("%s is declared (%s) but equals the reference"
                                    % (part, variant.loses[part]))
                mark = "X" if wrong else ("e" if part in replaced else ".")
                if (variant.kind == "bug" and declared != wrong) or (variant.kind == "correct" and wrong):
                    mark += "!"
                cells.append("%3s" % mark)
            n_correct += variant.kind == "correct"
            n_bug += variant.kind == "bug"
            violations += bool(problems)
            print("%-34s %-7s " % (variant.name[:34], variant.kind) + " ".join(cells)
                  + "  " + ("ok" if not problems else "VIOLATION"))
            for problem in problems:
                print("    - " + problem)
            if args.verbose:
                for part in decided:
                    if verdicts[part] is not None and not problems:
                        print("    %s: %s" % (part, verdicts[part]))
    print()
    print("X = differs from the reference, . = equal, e = equal once the graded functions it calls are "
          "replaced by the reference's, ! = against the declaration. Overfit parts are not decided here.")
    if mutating:
        print("mutate their inputs (still correct outputs): " +
              "; ".join("%s (%s)" % (k, ", ".join(v)) for k, v in sorted(mutating.items())))
    if credited:
        print("right once their callees are replaced: " + "; ".join("%s (%s)" % (k, ", ".join(v))
                                                                    for k, v in sorted(credited.items())))
    print("%d correct, %d bugs checked in %.0f s: %s"
          % (n_correct, n_bug, time.time() - started,
             "no violation" if not violations else "%d VARIANTS VIOLATE THEIR DECLARATION" % violations))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())

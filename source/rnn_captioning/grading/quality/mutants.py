"""Wrong implementations ("mutants") of the graded functions.

Each mutant replaces ONE whole function (or method) of a correct package with
a complete, self-contained wrong version written here, so the mutants do not
depend on how the reference happens to be written. They serve three uses:
- tests show that every hidden check fails on at least one wrong implementation;
- tests show that a mistake costs its own part and only the parts the report
  names as downstream (rubric depends_on);
- `make demo` grades an example submission with typical mistakes, generated
  from the solutions at demo time (no second copy of the package is kept).
"""
from dataclasses import dataclass

from ..patching import LAYERS, MODEL, _def, apply_functions


@dataclass(frozen=True)
class Mutant:
    name: str
    part: str            # the part whose function is wrong
    file: str            # relative to the package folder
    function: str        # function (or CaptioningRNN method) replaced
    description: str
    source: str          # the complete wrong definition
    also_parts: tuple = ()   # further parts the same code belongs to (e.g. loss serves rnn and lstm)
    companion: tuple = ()    # (function, source): a CORRECT rewrite the wrong one needs (its cache)
    hint: str = None         # the catalogued mistake (captioning/diagnosis.py) the report must name
    policy: str = None       # a rubric.json policy under which alone it is wrong (e.g. preserve_dtype)


MUTANTS = [
    Mutant("rnn_step_forward_no_tanh", "rnn_step_forward", LAYERS, "rnn_step_forward",
           "forgets the tanh nonlinearity", _def('''
            def rnn_step_forward(x, prev_h, Wx, Wh, b):
                next_h = x @ Wx + prev_h @ Wh + b
                return next_h, (x, prev_h, Wx, Wh, next_h)
            '''), hint="missing_tanh"),
    Mutant("rnn_step_forward_float64", "rnn_step_forward", LAYERS, "rnn_step_forward",
           "returns float64 for float32 inputs", _def('''
            def rnn_step_forward(x, prev_h, Wx, Wh, b):
                import numpy as np
                next_h = np.tanh(x.astype(np.float64) @ Wx + prev_h @ Wh + b)
                return next_h, (x, prev_h, Wx, Wh, next_h)
            '''), policy="preserve_dtype"),
    Mutant("rnn_step_forward_float16", "rnn_step_forward", LAYERS, "rnn_step_forward",
           "returns float16, a lower precision than its inputs", _def('''
            def rnn_step_forward(x, prev_h, Wx, Wh, b):
                import numpy as np
                next_h = np.tanh(x @ Wx + prev_h @ Wh + b).astype(np.float16)
                return next_h, (x, prev_h, Wx, Wh, next_h)
            '''), hint="lower_precision"),
    Mutant("rnn_step_backward_no_tanh_derivative", "rnn_step_backward", LAYERS, "rnn_step_backward",
           "misses the tanh derivative", _def('''
            def rnn_step_backward(dnext_h, cache):
                x, prev_h, Wx, Wh, next_h = cache
                da = dnext_h
                return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
            '''), hint="tanh_derivative"),
    Mutant("rnn_forward_no_recurrence", "rnn_forward", LAYERS, "rnn_forward",
           "starts every step from h0 instead of the previous state", _def('''
            def rnn_forward(x, h0, Wx, Wh, b):
                import numpy as np
                N, T, _ = x.shape
                h = np.stack([np.tanh(x[:, t] @ Wx + h0 @ Wh + b) for t in range(T)], axis=1)
                return h, (x, h0, Wx, Wh, h)
            '''), hint="no_recurrence"),
    Mutant("rnn_step_forward_overflowing_tanh", "rnn_step_forward", LAYERS, "rnn_step_forward",
           "writes tanh by hand as (1 - e^-2a) / (1 + e^-2a), which overflows for large |a| in float32", _def('''
            def rnn_step_forward(x, prev_h, Wx, Wh, b):
                import numpy as np
                e = np.exp(-2 * (x @ Wx + prev_h @ Wh + b))
                next_h = (1 - e) / (1 + e)
                return next_h, (x, prev_h, Wx, Wh, next_h)
            '''), hint="unstable_tanh"),
    Mutant("rnn_forward_off_by_one", "rnn_forward", LAYERS, "rnn_forward",
           "stores each step's previous state instead of its new one (h[:, t] = h_{t-1})", _def('''
            def rnn_forward(x, h0, Wx, Wh, b):
                import numpy as np
                N, T, _ = x.shape
                h, steps, prev_h = np.zeros((N, T, h0.shape[1])), [], h0
                for t in range(T):
                    h[:, t] = prev_h
                    prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
                    steps.append(step_cache)
                return h, steps
            '''), companion=("rnn_backward", _def('''
            def rnn_backward(dh, cache):
                import numpy as np
                N, T, H = dh.shape
                dx, dprev_h, dWx, dWh, db = [None] * T, np.zeros((N, H)), 0, 0, 0
                for t in reversed(range(T)):
                    dx[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
                    dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
                return np.stack(dx, axis=1), dprev_h, dWx, dWh, db
            ''')), hint="off_by_one_state"),
    Mutant("rnn_backward_wrong_dh0", "rnn_backward", LAYERS, "rnn_backward",
           "returns the first step's pre-activation gradient as dh0 (without the product with Wh)", _def('''
            def rnn_backward(dh, cache):
                import numpy as np
                x, h0, Wx, Wh, h = cache
                N, T, H = h.shape
                da, dprev_h = np.empty_like(h), np.zeros_like(h0)
                for t in reversed(range(T)):
                    da[:, t] = (dh[:, t] + dprev_h) * (1 - h[:, t] ** 2)
                    dprev_h = da[:, t] @ Wh.T
                h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
                flat = da.reshape(N * T, H)
                return ((flat @ Wx.T).reshape(x.shape), da[:, 0], x.reshape(N * T, -1).T @ flat,
                        h_prev.reshape(N * T, H).T @ flat, flat.sum(axis=0))
            '''), hint="dh0"),
    Mutant("rnn_backward_overwrites_weight_gradients", "rnn_backward", LAYERS, "rnn_backward",
           "sets dWx, dWh and db at every step instead of adding to them (dWx = ... for +=)", _def('''
            def rnn_backward(dh, cache):
                import numpy as np
                x, h0, Wx, Wh, h = cache
                N, T, H = h.shape
                dx, dprev_h = np.zeros_like(x), np.zeros_like(h0)
                for t in reversed(range(T)):
                    da = (dh[:, t] + dprev_h) * (1 - h[:, t] ** 2)
                    prev = h[:, t - 1] if t > 0 else h0
                    dx[:, t] = da @ Wx.T
                    dWx, dWh, db = x[:, t].T @ da, prev.T @ da, da.sum(axis=0)
                    dprev_h = da @ Wh.T
                return dx, dprev_h, dWx, dWh, db
            '''), hint="time_accumulation"),
    Mutant("rnn_backward_no_accumulation", "rnn_backward", LAYERS, "rnn_backward",
           "does not carry the gradient back through time", _def('''
            def rnn_backward(dh, cache):
                import numpy as np
                x, h0, Wx, Wh, h = cache
                N, T, H = h.shape
                da = dh * (1 - h * h)
                h_prev = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)
                dx = da @ Wx.T
                dWx = x.reshape(N * T, -1).T @ da.reshape(N * T, H)
                dWh = h_prev.reshape(N * T, H).T @ da.reshape(N * T, H)
                return dx, da[:, 0] @ Wh.T, dWx, dWh, da.reshape(N * T, H).sum(axis=0)
            '''), hint="dropped_upstream"),
    Mutant("word_embedding_forward_wrong_reshape", "word_embedding_forward", LAYERS, "word_embedding_forward",
           "looks the words up in time-major order but reshapes batch-major", _def('''
            def word_embedding_forward(x, W):
                N, T = x.shape
                out = W[x.T.ravel()].reshape(N, T, -1)
                return out, (x, W.shape, W.dtype)
            ''')),
    Mutant("word_embedding_backward_no_accumulation", "word_embedding_backward", LAYERS,
           "word_embedding_backward", "overwrites instead of adding the gradients of repeated words", _def('''
            def word_embedding_backward(dout, cache):
                import numpy as np
                x, (V, D), dtype = cache
                dW = np.zeros((V, D), dtype=dout.dtype)
                dW[x.ravel()] = dout.reshape(-1, D)
                return dW
            '''), hint="repeated_words"),
    Mutant("word_embedding_backward_plus_equals", "word_embedding_backward", LAYERS,
           "word_embedding_backward", "adds with dW[x] += dout, where a repeated word keeps only its last row", _def('''
            def word_embedding_backward(dout, cache):
                import numpy as np
                x, (V, D), dtype = cache
                dW = np.zeros((V, D), dtype=dout.dtype)
                dW[x] += dout
                return dW
            '''), hint="repeated_words"),
    Mutant("lstm_step_forward_gate_order", "lstm_step_forward", LAYERS, "lstm_step_forward",
           "splits the activations in the wrong gate order (i, f, g, o)", _def('''
            def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
                H = prev_h.shape[1]
                a = x @ Wx + prev_h @ Wh + b
                i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
                g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
                next_c = f * prev_c + i * g
                next_h = o * np.tanh(next_c)
                return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, np.tanh(next_c))
            '''), hint="gate_order"),
    Mutant("lstm_step_backward_no_dprev_c_forget", "lstm_step_backward", LAYERS, "lstm_step_backward",
           "forgets the forget gate in dprev_c", _def('''
            def lstm_step_backward(dnext_h, dnext_c, cache):
                x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
                dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)
                da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f),
                                     dnext_h * tanh_c * o * (1 - o), dc * i * (1 - g * g)], axis=1)
                return da @ Wx.T, da @ Wh.T, dc, x.T @ da, prev_h.T @ da, da.sum(axis=0)
            '''), hint="forget_gate_gradient"),
    Mutant("lstm_forward_cell_not_carried", "lstm_forward", LAYERS, "lstm_forward",
           "resets the cell state to zero at every step", _def('''
            def lstm_forward(x, h0, Wx, Wh, b):
                N, T, _ = x.shape
                H = h0.shape[1]
                hs, prev_h = [], h0
                for t in range(T):
                    prev_h, _, _ = lstm_step_forward(x[:, t], prev_h, np.zeros_like(h0), Wx, Wh, b)
                    hs.append(prev_h)
                h = np.stack(hs, axis=1)
                return h, (x, h0, Wx, Wh, h)
            '''), hint="cell_not_carried"),
    Mutant("lstm_backward_no_accumulation", "lstm_backward", LAYERS, "lstm_backward",
           "drops the gradient flowing back into the previous hidden and cell states", _def('''
            def lstm_backward(dh, cache):
                x, h0, steps = cache
                N, T, D = x.shape
                dx = np.zeros_like(x)
                dWx, dWh, db = 0, 0, 0
                for t in reversed(range(T)):
                    dxt, dh0, _, dWxt, dWht, dbt = lstm_step_backward(dh[:, t], np.zeros_like(h0), steps[t])
                    dx[:, t] = dxt
                    dWx, dWh, db = dWx + dWxt, dWh + dWht, db + dbt
                return dx, dh0, dWx, dWh, db
            '''), companion=("lstm_forward", _def('''
            def lstm_forward(x, h0, Wx, Wh, b):
                N, T, _ = x.shape
                hs, steps, prev_h, prev_c = [], [], h0, np.zeros_like(h0)
                for t in range(T):
                    prev_h, prev_c, step_cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
                    hs.append(prev_h)
                    steps.append(step_cache)
                return np.stack(hs, axis=1), (x, h0, steps)
            ''')), hint="dropped_upstream"),
    Mutant("lstm_backward_gate_order", "lstm_backward", LAYERS, "lstm_backward",
           "puts the gate gradients in a different order (i, f, g, o) than the forward pass (i, f, o, g)",
           _def('''
            def lstm_backward(dh, cache):
                x, h0, Wx, Wh, steps = cache
                N, T, D = x.shape
                H = h0.shape[1]
                dx = np.zeros_like(x)
                dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H, dtype=x.dtype)
                dnext_h, dnext_c = np.zeros_like(h0), np.zeros_like(h0)
                for t in reversed(range(T)):
                    prev_h, prev_c, i, f, o, g, tanh_c = steps[t]
                    dh_t = dh[:, t] + dnext_h
                    dc = dnext_c + dh_t * o * (1 - tanh_c ** 2)
                    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f),
                                         dc * i * (1 - g ** 2), dh_t * tanh_c * o * (1 - o)], axis=1)
                    dx[:, t] = da @ Wx.T
                    dWx += x[:, t].T @ da
                    dWh += prev_h.T @ da
                    db += da.sum(axis=0)
                    dnext_h, dnext_c = da @ Wh.T, dc * f
                return dx, dnext_h, dWx, dWh, db
            '''), companion=("lstm_forward", _def('''
            def lstm_forward(x, h0, Wx, Wh, b):
                N, T, _ = x.shape
                H = h0.shape[1]
                hs, steps, prev_h, prev_c = [], [], h0, np.zeros_like(h0)
                for t in range(T):
                    a = x[:, t] @ Wx + prev_h @ Wh + b
                    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
                    g = np.tanh(a[:, 3 * H:])
                    c = f * prev_c + i * g
                    steps.append((prev_h, prev_c, i, f, o, g, np.tanh(c)))
                    prev_h, prev_c = o * np.tanh(c), c
                    hs.append(prev_h)
                return np.stack(hs, axis=1), (x, h0, Wx, Wh, steps)
            '''))),
    Mutant("loss_ignores_mask", "rnn_loss", MODEL, "loss",
           "counts the <NULL> padding steps in the loss", _def('''
                def loss(self, features, captions):
                    captions_in, captions_out = captions[:, :-1], captions[:, 1:]
                    mask = np.ones(captions_out.shape, dtype=bool)
                    p, grads = self.params, {}
                    forward, backward = ((rnn_forward, rnn_backward) if self.cell_type == "rnn"
                                         else (lstm_forward, lstm_backward))
                    h0, proj_cache = affine_forward(features, p["W_proj"], p["b_proj"])
                    words, embed_cache = word_embedding_forward(captions_in, p["W_embed"])
                    hidden, cell_cache = forward(words, h0, p["Wx"], p["Wh"], p["b"])
                    scores, vocab_cache = temporal_affine_forward(hidden, p["W_vocab"], p["b_vocab"])
                    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
                    dhidden, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, vocab_cache)
                    dwords, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dhidden, cell_cache)
                    grads["W_embed"] = word_embedding_backward(dwords, embed_cache)
                    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, proj_cache)
                    return loss, grads
            '''), also_parts=("lstm_loss",), hint="mask"),
    Mutant("loss_no_projection_gradient", "rnn_loss", MODEL, "loss",
           "returns zero gradients for the image projection", _def('''
                def loss(self, features, captions):
                    captions_in, captions_out = captions[:, :-1], captions[:, 1:]
                    mask = captions_out != self._null
                    p, grads = self.params, {}
                    forward, backward = ((rnn_forward, rnn_backward) if self.cell_type == "rnn"
                                         else (lstm_forward, lstm_backward))
                    h0, proj_cache = affine_forward(features, p["W_proj"], p["b_proj"])
                    words, embed_cache = word_embedding_forward(captions_in, p["W_embed"])
                    hidden, cell_cache = forward(words, h0, p["Wx"], p["Wh"], p["b"])
                    scores, vocab_cache = temporal_affine_forward(hidden, p["W_vocab"], p["b_vocab"])
                    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
                    dhidden, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, vocab_cache)
                    dwords, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dhidden, cell_cache)
                    grads["W_embed"] = word_embedding_backward(dwords, embed_cache)
                    grads["W_proj"], grads["b_proj"] = np.zeros_like(p["W_proj"]), np.zeros_like(p["b_proj"])
                    return loss, grads
            '''), also_parts=("lstm_loss",), hint="missing_gradient"),
    Mutant("sample_feeds_start_every_step", "rnn_sample", MODEL, "sample",
           "feeds <START> at every step instead of the previous word", _def('''
                def sample(self, features, max_length=30):
                    N = features.shape[0]
                    captions = self._null * np.ones((N, max_length), dtype=np.int32)
                    p = self.params
                    h, _ = affine_forward(features, p["W_proj"], p["b_proj"])
                    c = np.zeros_like(h)
                    for t in range(max_length):
                        x = p["W_embed"][np.full(N, self._start)]
                        if self.cell_type == "rnn":
                            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
                        else:
                            h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
                        captions[:, t] = (h @ p["W_vocab"] + p["b_vocab"]).argmax(axis=1)
                    return captions
            '''), also_parts=("lstm_sample",), hint="start_fed_every_step"),
    Mutant("sample_start_in_column_0", "rnn_sample", MODEL, "sample",
           "returns <START> in column 0 and shifts the caption right", _def('''
                def sample(self, features, max_length=30):
                    N = features.shape[0]
                    captions = self._null * np.ones((N, max_length), dtype=np.int32)
                    p = self.params
                    h, _ = affine_forward(features, p["W_proj"], p["b_proj"])
                    c = np.zeros_like(h)
                    word = np.full(N, self._start)
                    captions[:, 0] = word
                    for t in range(1, max_length):
                        x = p["W_embed"][word]
                        if self.cell_type == "rnn":
                            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
                        else:
                            h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
                        word = (h @ p["W_vocab"] + p["b_vocab"]).argmax(axis=1)
                        captions[:, t] = word
                    return captions
            '''), also_parts=("lstm_sample",), hint="start_in_column_0"),
    Mutant("sample_squeezes_scores", "rnn_sample", MODEL, "sample",
           "squeezes the scores (np.squeeze without an axis), which drops the batch axis when N is 1", _def('''
                def sample(self, features, max_length=30):
                    N = features.shape[0]
                    captions = self._null * np.ones((N, max_length), dtype=np.int32)
                    p = self.params
                    h = features @ p["W_proj"] + p["b_proj"]
                    c = np.zeros_like(h)
                    word = np.full(N, self._start)
                    for t in range(max_length):
                        x = p["W_embed"][word]
                        if self.cell_type == "rnn":
                            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
                        else:
                            h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
                        scores = np.squeeze(h @ p["W_vocab"] + p["b_vocab"])
                        word = np.argmax(scores, axis=1)
                        captions[:, t] = word
                    return captions
            '''), also_parts=("lstm_sample",), hint="squeeze"),
    Mutant("sample_returns_floats", "rnn_sample", MODEL, "sample",
           "returns float word indices with a wrong shape (N, max_length + 1)", _def('''
                def sample(self, features, max_length=30):
                    return np.zeros((features.shape[0], max_length + 1))
            '''), also_parts=("lstm_sample",)),
]

MUTANTS_BY_NAME = {m.name: m for m in MUTANTS}
# A step backward is called with its own step forward's cache, so a wrong step forward may
# cost it too (the report says so): a step forward's mistake may be charged in both.
# A backward is called with its forward's cache, so a forward's mistake may cost its backward too.
CACHE_PARTNERS = {"rnn_step_forward": "rnn_step_backward", "lstm_step_forward": "lstm_step_backward",
                  "rnn_forward": "rnn_backward", "lstm_forward": "lstm_backward"}


def own_parts(mutant):
    """The parts a mutant's one mistake may cost: its function's, and its backward's for a forward."""
    own = {mutant.part, *mutant.also_parts}
    return own | {CACHE_PARTNERS[part] for part in own if part in CACHE_PARTNERS}


def points_lost(results):
    """{part: points lost} of a results.json (Gradescope schema)."""
    lost = {}
    for test in results["tests"]:
        part = test["extra_data"]["part"]
        lost[part] = lost.get(part, 0.0) + float(test["max_score"]) - float(test["score"])
    return {part: round(points, 4) for part, points in lost.items() if points > 1e-9}


def lost_elsewhere(mutant, results):
    """{part: points} a mutant's grading lost outside its own parts: a mistake charged twice."""
    own = own_parts(mutant)
    return {part: points for part, points in points_lost(results).items() if part not in own}

# The bundled example of typical mistakes (for `make demo` and the tests):
TYPICAL_MISTAKES = ["rnn_step_backward_no_tanh_derivative", "word_embedding_backward_no_accumulation",
                    "lstm_step_forward_gate_order", "sample_start_in_column_0"]


def apply_mutants(base_dir, dest_dir, mutants):
    """Copy the assignment folder base_dir to dest_dir with the given mutants applied."""
    replacements = []
    for mutant in mutants:
        replacements.append((mutant.file, mutant.function, mutant.source))
        if mutant.companion:
            replacements.append((mutant.file,) + tuple(mutant.companion))
    return apply_functions(base_dir, dest_dir, replacements)


def make_mutant(base_dir, dest_dir, name):
    return apply_mutants(base_dir, dest_dir, [MUTANTS_BY_NAME[name]])


def make_typical_mistakes(base_dir, dest_dir):
    """The demo's example submission: the solutions with TYPICAL_MISTAKES applied."""
    return apply_mutants(base_dir, dest_dir, [MUTANTS_BY_NAME[n] for n in TYPICAL_MISTAKES])

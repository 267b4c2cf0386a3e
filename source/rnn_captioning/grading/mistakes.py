"""The catalogue's typical mistakes, as models the trusted side can compute.

When a student's result is wrong, the checks compute what each typical
mistake of that part would have returned on the same inputs (with the
reference's own building blocks, in this trusted process) and name the
mistake whose result the student's matches. Where no model fits, a
structural reading of which outputs are wrong names the likely cause.
The words each mistake is told with are the public catalogue
(captioning/diagnosis.py), shared with the notebooks' checks.
"""
import numpy as np

from .cells import CELLS, greedy_decode

# ---------------------------------------------------------------------------
# Building blocks (float64)
# ---------------------------------------------------------------------------


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def swap_output_and_block_input(a):
    """Columns [i, f, o, g] -> [i, f, g, o] (its own inverse) of an (..., 4H) array."""
    H = a.shape[-1] // 4
    return np.concatenate([a[..., :2 * H], a[..., 3 * H:], a[..., 2 * H:3 * H]], axis=-1)


def _f64(case, *names):
    return [np.asarray(case[name], dtype=np.float64) for name in names]


# ---------------------------------------------------------------------------
# Layer mistakes: fn(ref, case) -> the list of outputs (forward) or gradients (backward)
# ---------------------------------------------------------------------------

def rnn_step_missing_tanh(ref, case):
    x, h, Wx, Wh, b = _f64(case, "x", "prev_h", "Wx", "Wh", "b")
    return [x @ Wx + h @ Wh + b]


def rnn_step_missing_bias(ref, case):
    x, h, Wx, Wh = _f64(case, "x", "prev_h", "Wx", "Wh")
    return [np.tanh(x @ Wx + h @ Wh)]


def rnn_step_backward_no_tanh_derivative(ref, case):
    x, h, Wx, Wh, da = _f64(case, "x", "prev_h", "Wx", "Wh", "dnext_h")
    return [da @ Wx.T, da @ Wh.T, x.T @ da, h.T @ da, da.sum(axis=0)]


def _rnn_states(x, h0, Wx, Wh, b, recurrent=True):
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ Wx + (h if recurrent else h0) @ Wh + b)
        states.append(h)
    return np.stack(states, axis=1)


def rnn_forward_no_recurrence(ref, case):
    x, h0, Wx, Wh, b = _f64(case, "x", "h0", "Wx", "Wh", "b")
    return [_rnn_states(x, h0, Wx, Wh, b, recurrent=False)]


def rnn_forward_h0_not_used(ref, case):
    x, h0, Wx, Wh, b = _f64(case, "x", "h0", "Wx", "Wh", "b")
    return [_rnn_states(x, np.zeros_like(h0), Wx, Wh, b)]


def rnn_forward_stored_late(ref, case):
    """h[:, t] holds the state step t started from (h0 first), not the one it computed."""
    x, h0, Wx, Wh, b = _f64(case, "x", "h0", "Wx", "Wh", "b")
    states = _rnn_states(x, h0, Wx, Wh, b)
    return [np.concatenate([h0[:, None], states[:, :-1]], axis=1)]


def rnn_backward_dh0_before_Wh(ref, case):
    """dh0 is the first step's pre-activation gradient, not its product with Wh transposed."""
    layers = ref.module("rnn_layers")
    x, h0, Wx, Wh, b, dout = _f64(case, "x", "h0", "Wx", "Wh", "b", "dout")
    h, cache = layers.rnn_forward(x, h0, Wx, Wh, b)
    dx, _, dWx, dWh, db = layers.rnn_backward(dout, cache)
    dprev = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        da = (dout[:, t] + dprev) * (1 - h[:, t] ** 2)
        dprev = da @ Wh.T
    return [dx, da, dWx, dWh, db]


def embedding_backward_last_write_wins(ref, case):
    x = np.asarray(case["x"])
    dout = np.asarray(case["dout"], dtype=np.float64)
    dW = np.zeros(np.shape(case["W"]))
    dW[x.ravel()] = dout.reshape(-1, dW.shape[1])
    return [dW]


def lstm_step_gate_order(ref, case):
    """i, f, g, o instead of i, f, o, g: the reference on swapped weight columns."""
    layers = ref.module("rnn_layers")
    x, h, c, Wx, Wh, b = _f64(case, "x", "prev_h", "prev_c", "Wx", "Wh", "b")
    next_h, next_c, _ = layers.lstm_step_forward(x, h, c, swap_output_and_block_input(Wx),
                                                 swap_output_and_block_input(Wh), swap_output_and_block_input(b))
    return [next_h, next_c]


def lstm_step_missing_bias(ref, case):
    layers = ref.module("rnn_layers")
    x, h, c, Wx, Wh, b = _f64(case, "x", "prev_h", "prev_c", "Wx", "Wh", "b")
    return list(layers.lstm_step_forward(x, h, c, Wx, Wh, np.zeros_like(b))[:2])


def lstm_step_backward_gate_order_both(ref, case):
    """Forward and backward both in the order i, f, g, o: the gradients of the swapped model, swapped back."""
    layers = ref.module("rnn_layers")
    x, h, c, Wx, Wh, b, dh, dc = _f64(case, "x", "prev_h", "prev_c", "Wx", "Wh", "b", "dnext_h", "dnext_c")
    _, _, cache = layers.lstm_step_forward(x, h, c, swap_output_and_block_input(Wx),
                                           swap_output_and_block_input(Wh), swap_output_and_block_input(b))
    dx, dh_prev, dc_prev, dWx, dWh, db = layers.lstm_step_backward(dh, dc, cache)
    return [dx, dh_prev, dc_prev, swap_output_and_block_input(dWx), swap_output_and_block_input(dWh),
            swap_output_and_block_input(db)]


def _lstm_step_backward_with(case, gates_gradient):
    """The step backward with da built by gates_gradient(dh, dc_total, cache values) -> [di, df, do, dg]."""
    x, h, c, Wx, Wh, b, dh, dnext_c = _f64(case, "x", "prev_h", "prev_c", "Wx", "Wh", "b", "dnext_h", "dnext_c")
    H = h.shape[1]
    a = x @ Wx + h @ Wh + b
    i, f, o, g = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
    tanh_c = np.tanh(f * c + i * g)
    dc = dnext_c + dh * o * (1 - tanh_c ** 2)
    values = dict(i=i, f=f, o=o, g=g, c=c, tanh_c=tanh_c, dc=dc, dh=dh)
    blocks, dprev_c = gates_gradient(values)
    da = np.concatenate(blocks, axis=1)
    return [da @ Wx.T, da @ Wh.T, dprev_c, x.T @ da, h.T @ da, da.sum(axis=0)]


def _correct_blocks(v):
    return [v["dc"] * v["g"] * v["i"] * (1 - v["i"]), v["dc"] * v["c"] * v["f"] * (1 - v["f"]),
            v["dh"] * v["tanh_c"] * v["o"] * (1 - v["o"]), v["dc"] * v["i"] * (1 - v["g"] ** 2)]


def lstm_step_backward_gate_order(ref, case):
    def blocks(v):
        di, df, do, dg = _correct_blocks(v)
        return [di, df, dg, do], v["dc"] * v["f"]
    return _lstm_step_backward_with(case, blocks)


def lstm_step_backward_no_forget_gate(ref, case):
    return _lstm_step_backward_with(case, lambda v: (_correct_blocks(v), v["dc"]))


def lstm_step_backward_output_gate_derivative(ref, case):
    def blocks(v):
        di, df, _, dg = _correct_blocks(v)
        return [di, df, v["dh"] * v["tanh_c"], dg], v["dc"] * v["f"]
    return _lstm_step_backward_with(case, blocks)


def lstm_step_backward_no_dnext_h_in_dc(ref, case):
    """dc = dnext_c alone: the part of the cell's gradient that comes through next_h is missing."""
    def blocks(v):
        dc = v["dc"] - v["dh"] * v["o"] * (1 - v["tanh_c"] ** 2)
        return [dc * v["g"] * v["i"] * (1 - v["i"]), dc * v["c"] * v["f"] * (1 - v["f"]),
                v["dh"] * v["tanh_c"] * v["o"] * (1 - v["o"]), dc * v["i"] * (1 - v["g"] ** 2)], dc * v["f"]
    return _lstm_step_backward_with(case, blocks)


def _walked_back(ref, case, lstm, carry_h=True, carry_c=True):
    """The composite's gradients from the reference steps walked back over time, with the
    hidden state's gradient (carry_h) or the cell's (carry_c) not carried from step to step."""
    layers = ref.module("rnn_layers")
    x, h0, Wx, Wh, b, dout = _f64(case, "x", "h0", "Wx", "Wh", "b", "dout")
    T = x.shape[1]
    h, c, caches = h0, np.zeros_like(h0), []
    for t in range(T):
        if lstm:
            h, c, cache = layers.lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        else:
            h, cache = layers.rnn_step_forward(x[:, t], h, Wx, Wh, b)
        caches.append(cache)
    zeros = np.zeros_like(h0)
    dh_next, dc_next, dx, totals = zeros, zeros, [None] * T, None
    for t in reversed(range(T)):
        upstream = dout[:, t] + (dh_next if carry_h else 0.0)
        if lstm:
            dx[t], dh_next, dc_next, *weights = layers.lstm_step_backward(upstream, dc_next if carry_c else zeros,
                                                                         caches[t])
        else:
            dx[t], dh_next, *weights = layers.rnn_step_backward(upstream, caches[t])
        totals = weights if totals is None else [a + w for a, w in zip(totals, weights)]
    return [np.stack(dx, axis=1), dh_next] + totals


def rnn_backward_dropped_upstream(ref, case):
    return _walked_back(ref, case, lstm=False, carry_h=False)


def lstm_backward_dropped_upstream(ref, case):
    return _walked_back(ref, case, lstm=True, carry_h=False)


def lstm_backward_cell_gradient_reset(ref, case):
    return _walked_back(ref, case, lstm=True, carry_c=False)


def _lstm_states(x, h0, Wx, Wh, b, carry_cell=True):
    N, T, _ = x.shape
    H = h0.shape[1]
    h, c, states = h0, np.zeros_like(h0), []
    for t in range(T):
        a = x[:, t] @ Wx + h @ Wh + b
        i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 2 * H:3 * H])
        c = f * (c if carry_cell else 0.0) + i * np.tanh(a[:, 3 * H:])
        h = o * np.tanh(c)
        states.append(h)
    return np.stack(states, axis=1)


def lstm_forward_h0_not_used(ref, case):
    x, h0, Wx, Wh, b = _f64(case, "x", "h0", "Wx", "Wh", "b")
    return [_lstm_states(x, np.zeros_like(h0), Wx, Wh, b)]


def lstm_forward_cell_not_carried(ref, case):
    x, h0, Wx, Wh, b = _f64(case, "x", "h0", "Wx", "Wh", "b")
    return [_lstm_states(x, h0, Wx, Wh, b, carry_cell=False)]


LAYER_MISTAKES = {
    "rnn_step_forward": [("missing_tanh", rnn_step_missing_tanh), ("missing_bias", rnn_step_missing_bias)],
    "rnn_step_backward": [("tanh_derivative", rnn_step_backward_no_tanh_derivative)],
    "rnn_forward": [("no_recurrence", rnn_forward_no_recurrence), ("h0_not_used", rnn_forward_h0_not_used),
                    ("off_by_one_state", rnn_forward_stored_late)],
    "word_embedding_backward": [("repeated_words", embedding_backward_last_write_wins)],
    "lstm_step_forward": [("gate_order", lstm_step_gate_order), ("missing_bias", lstm_step_missing_bias)],
    "lstm_step_backward": [("gate_order", lstm_step_backward_gate_order_both),
                           ("gate_order", lstm_step_backward_gate_order),
                           ("forget_gate_gradient", lstm_step_backward_no_forget_gate),
                           ("sigmoid_derivative", lstm_step_backward_output_gate_derivative),
                           ("cell_gradient_from_h", lstm_step_backward_no_dnext_h_in_dc)],
    "lstm_forward": [("h0_not_used", lstm_forward_h0_not_used), ("cell_not_carried", lstm_forward_cell_not_carried)],
    "rnn_backward": [("dropped_upstream", rnn_backward_dropped_upstream), ("dh0", rnn_backward_dh0_before_Wh)],
    "lstm_backward": [("dropped_upstream", lstm_backward_dropped_upstream),
                      ("cell_gradient_not_carried", lstm_backward_cell_gradient_reset)],
}


def layer_mistake_results(ref, part, case):
    """[(hint id, the mistake's outputs or gradients on case)] of the part's typical mistakes."""
    return [(hint_id, model(ref, case)) for hint_id, model in LAYER_MISTAKES.get(part, [])]


def matching_layer_mistake(ref, part, case, got, tolerance):
    """The hint id of the typical mistake whose results equal `got`, or None."""
    diagnosis = ref.module("diagnosis")
    return diagnosis.matching_mistake(got, layer_mistake_results(ref, part, case), tolerance)


def structural_layer_hint(ref, part, case, labels, got, expected, tolerance):
    """A hint id from the pattern of right and wrong outputs, or None (diagnosis.structural_hint)."""
    return ref.module("diagnosis").structural_hint(part, labels, got, expected, tolerance)


# ---------------------------------------------------------------------------
# Model mistakes
# ---------------------------------------------------------------------------

def loss_with(ref, case, model_class, mask_rule="targets", targets="captions_out"):
    """The reference model's loss with one piece of the recipe changed."""
    model = model_class(case["word_to_idx"], input_dim=case["input_dim"], wordvec_dim=case["wordvec_dim"],
                        hidden_dim=case["hidden_dim"], cell_type=case["cell_type"], dtype=np.float64)
    model.params = {k: np.asarray(v, dtype=np.float64) for k, v in case["params"].items()}
    layers, basic = ref.module("rnn_layers"), ref.module("layers")
    captions, p = case["captions"], model.params
    null = case["word_to_idx"]["<NULL>"]
    captions_in, captions_out = captions[:, :-1], captions[:, 1:]
    truth = captions_in if targets == "captions_in" else captions_out
    mask = {"targets": truth != null, "none": np.ones(truth.shape, dtype=bool),
            "captions_in": captions_in != null, "captions_out": captions_out != null}[mask_rule]
    h0, _ = basic.affine_forward(case["features"], p["W_proj"], p["b_proj"])
    words, _ = layers.word_embedding_forward(captions_in, p["W_embed"])
    forward = getattr(layers, CELLS[case["cell_type"]].forward)
    hidden, _ = forward(words, h0, p["Wx"], p["Wh"], p["b"])
    scores, _ = layers.temporal_affine_forward(hidden, p["W_vocab"], p["b_vocab"])
    loss, _ = layers.temporal_softmax_loss(scores, truth, mask)
    return float(loss)


LOSS_MISTAKES = [("mask", dict(mask_rule="none")), ("mask", dict(mask_rule="captions_in")),
                 ("captions_in", dict(targets="captions_in")),
                 ("captions_in", dict(targets="captions_in", mask_rule="captions_out")),
                 ("captions_in", dict(targets="captions_in", mask_rule="none"))]


def loss_hint(ref, case, loss, expected_loss, grads, expected_grads, tolerance):
    """A hint id for a wrong loss or wrong gradients, or None."""
    model_class = ref.module("classifiers.rnn").CaptioningRNN
    if loss is not None and np.size(loss) == 1 and np.isfinite(loss):
        value = float(np.asarray(loss).reshape(()))
        if abs(value - expected_loss) > tolerance * max(abs(expected_loss), 1e-12):
            mistaken = [(hint_id, loss_with(ref, case, model_class, **change)) for hint_id, change in LOSS_MISTAKES]
            return ref.module("diagnosis").loss_value_hint(
                value, expected_loss, mistaken, case["features"].shape[0], case["captions"].shape[1] - 1,
                np.dtype(case["dtype"]) == np.float64)
    for name, expected in expected_grads.items():
        got = grads.get(name)
        if got is None or (np.shape(got) == np.shape(expected) and not np.any(got) and np.any(expected)):
            return "missing_gradient"
    return None


def greedy_with(ref, case, feed="previous", reset_cell=False, zero_state=False):
    """The reference's greedy decoding with one piece changed (what is fed back,
    whether the LSTM cell is carried, where the hidden state starts)."""
    return greedy_decode(ref.module("rnn_layers"), case, feed, reset_cell, zero_state)[0]


SAMPLE_MISTAKES = [("start_fed_every_step", dict(feed="start")), ("feedback", dict(feed="null")),
                   ("cell_not_carried", dict(reset_cell=True)), ("h0_not_used", dict(zero_state=True))]


def sample_mistake_results(ref, case):
    """[(hint id, that decoding mistake's captions)] for a sampling case."""
    return [(hint_id, greedy_with(ref, case, **change)) for hint_id, change in SAMPLE_MISTAKES
            if hint_id != "cell_not_carried" or CELLS[case["cell_type"]].carries_cell]


def batch_loop_tips(ctx, part):
    """The part's 0-point tips, worded as in the notebook and the self-check."""
    return ctx.reference.module("diagnosis").batch_loop_tips(part, ctx.sources or {})

"""I forgot the tanh in rnn_step_forward; my rnn_forward is vectorized and does not call it, so only the step and sample suffer."""
KIND = "bug"
BASE = "c06_vectorized_composites"
LOSES = {"rnn_step_forward": "missing_tanh", "rnn_step_backward": "upstream:rnn_step_forward"}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = x @ Wx + prev_h @ Wh + b
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache

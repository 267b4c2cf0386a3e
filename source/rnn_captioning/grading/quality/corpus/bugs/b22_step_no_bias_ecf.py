"""I left the bias out of rnn_step_forward; my rnn_forward loops over that step, so the error is carried forward."""
KIND = "bug"
BASE = "c01_classic_loops"
LOSES = {"rnn_step_forward": "missing_bias", "rnn_step_backward": "upstream:rnn_step_forward"}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.dot(x, Wx) + np.dot(prev_h, Wh))
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache

"""H = b.shape[0] / 4 (Python 2 habit): a float, so slicing the activations raises TypeError."""
KIND = "bug"
BASE = "c01_classic_loops"
# The composites loop over the step, which always raises: with a correct step in
# its place they are right, so only the step (and its backward, which needs the
# step's cache) lose points.
LOSES = {"lstm_step_forward": "integer_division", "lstm_step_backward": "upstream:lstm_step_forward"}

# ==== rnn_layers.py ====


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = b.shape[0] / 4
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    return next_h, next_c, cache

"""In my vectorized rnn_forward every step starts from h0 instead of the previous hidden state."""
KIND = "bug"
BASE = "c06_vectorized_composites"
LOSES = {"rnn_forward": "no_recurrence", "rnn_backward": "upstream:rnn_forward"}

# ==== rnn_layers.py ====


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    xw = (x.reshape(-1, D) @ Wx).reshape(N, T, H) + b
    h = np.empty((N, T, H), dtype=xw.dtype)
    for t in range(T):
        h[:, t] = np.tanh(xw[:, t] + h0 @ Wh)
    cache = (x, h0, Wx, Wh, h)
    return h, cache

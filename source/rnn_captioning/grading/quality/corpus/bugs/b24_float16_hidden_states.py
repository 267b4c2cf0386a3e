"""I allocated the hidden states of rnn_forward as float16 to save memory."""
KIND = "bug"
BASE = "c01_classic_loops"
LOSES = {"rnn_forward": "lower_precision"}

# ==== rnn_layers.py ====


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=np.float16)
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache

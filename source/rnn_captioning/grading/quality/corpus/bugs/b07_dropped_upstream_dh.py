"""rnn_backward only passes the gradient from the next step: the upstream dh[:, t] is used for the last step only."""
KIND = "bug"
BASE = "c05_einsum"
LOSES = {"rnn_backward": "dropped_upstream"}

# ==== rnn_layers.py ====


def rnn_backward(dh, cache):
    (N, T, D), steps = cache
    H = dh.shape[2]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros((H,), dtype=dh.dtype)
    dprev = dh[:, T - 1, :]
    for t in range(T)[::-1]:
        dx[:, t, :], dprev, a, bb, c = rnn_step_backward(dprev, steps[t])
        dWx += a
        dWh += bb
        db += c
    return dx, dprev, dWx, dWh, db

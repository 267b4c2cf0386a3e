"""In rnn_backward I assign dWx, dWh, db at each step instead of adding them up over time."""
KIND = "bug"
BASE = "c01_classic_loops"
LOSES = {"rnn_backward": "time_accumulation"}

# ==== rnn_layers.py ====


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx_t, dprev_h, dWx, dWh, db = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dx[:, t, :] = dx_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db

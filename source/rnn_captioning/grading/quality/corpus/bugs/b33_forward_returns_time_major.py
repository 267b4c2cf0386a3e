"""My rnn_forward works time-major and I forgot to transpose h back: it returns (T, N, H)."""
KIND = "bug"
BASE = "c14_loss_affine_per_step"
LOSES = {"rnn_forward": "time_major"}

# ==== rnn_layers.py ====


def rnn_forward(x, h0, Wx, Wh, b):
    xt = x.transpose(1, 0, 2)              # (T, N, D)
    T = xt.shape[0]
    h_tm = np.zeros((T,) + h0.shape, dtype=x.dtype)
    caches = []
    prev = h0
    for t in range(T):
        prev, cache = rnn_step_forward(xt[t], prev, Wx, Wh, b)
        h_tm[t] = prev
        caches.append(cache)
    return h_tm, caches

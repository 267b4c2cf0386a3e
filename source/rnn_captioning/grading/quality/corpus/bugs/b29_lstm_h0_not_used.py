"""My lstm_forward starts from a zero hidden state, so the image features (h0) never reach the LSTM."""
KIND = "bug"
BASE = "c21_vectorized_einsum"
LOSES = {"lstm_forward": "h0_not_used", "lstm_backward": "upstream:lstm_forward"}

# ==== rnn_layers.py ====


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    xa = np.einsum("ntd,dk->tnk", x, Wx) + b
    act = np.zeros_like(xa)
    cs = np.zeros(xa.shape[:2] + (H,), dtype=xa.dtype)
    hs = np.zeros_like(cs)
    h, c = np.zeros((N, H), dtype=xa.dtype), np.zeros((N, H), dtype=xa.dtype)
    for t in range(T):
        a = xa[t] + np.einsum("nh,hk->nk", h, Wh)
        act[t, :, :3 * H] = sigmoid(a[:, :3 * H])
        act[t, :, 3 * H:] = np.tanh(a[:, 3 * H:])
        c = act[t, :, H:2 * H] * c + act[t, :, :H] * act[t, :, 3 * H:]
        h = act[t, :, 2 * H:3 * H] * np.tanh(c)
        cs[t], hs[t] = c, h
    cache = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "act": act, "cs": cs, "hs": hs}
    return np.einsum("tnh->nth", hs), cache

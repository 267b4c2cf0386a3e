"""My own numerically stable sigmoid and tanh helpers, lists plus np.stack, np.zeros without dtype in the backward."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def stable_tanh(z):
    # tanh(z) = (1 - e^{-2|z|}) / (1 + e^{-2|z|}) * sign(z), never exp of a big number
    e = np.exp(-2 * np.abs(z))
    return np.sign(z) * (1 - e) / (1 + e)


def stable_sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    neg = ~pos
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[neg])
    out[neg] = ez / (1 + ez)
    return out


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = stable_tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h * (1 - next_h ** 2)
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, prev_h.T @ dz, dz.sum(0)


def rnn_forward(x, h0, Wx, Wh, b):
    T = x.shape[1]
    hs = []
    caches = []
    h = h0
    for t in range(T):
        h, cache_t = rnn_step_forward(x[:, t, :], h, Wx, Wh, b)
        hs.append(h)
        caches.append(cache_t)
    h = np.stack(hs, axis=1)
    return h, caches


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dxs = []
    dWx = np.zeros(cache[0][2].shape)
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dnext = np.zeros((N, H))
    for t in reversed(range(T)):
        dx_t, dnext, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dnext, cache[t])
        dxs.append(dx_t)
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dx = np.stack(dxs[::-1], axis=1)
    return dx, dnext, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x, :]
    return out, (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros(W.shape)
    np.add.at(dW, x.flatten(), dout.reshape(-1, W.shape[1]))
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = stable_sigmoid(a[:, :H])
    f = stable_sigmoid(a[:, H:2 * H])
    o = stable_sigmoid(a[:, 2 * H:3 * H])
    g = stable_tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    tanh_c = stable_tanh(next_c)
    next_h = o * tanh_c
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    da = np.hstack([dc * g * i * (1 - i),
                    dc * prev_c * f * (1 - f),
                    dnext_h * tanh_c * o * (1 - o),
                    dc * i * (1 - g ** 2)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(0)


def lstm_forward(x, h0, Wx, Wh, b):
    T = x.shape[1]
    h, c = h0, np.zeros_like(h0)
    hs, caches = [], []
    for t in range(T):
        h, c, cache_t = lstm_step_forward(x[:, t, :], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cache_t)
    return np.stack(hs, axis=1), caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dxs = [None] * T
    dWx = np.zeros(cache[0][3].shape)
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    dnext_h = np.zeros((N, H))
    dnext_c = np.zeros((N, H))
    for t in reversed(range(T)):
        dxs[t], dnext_h, dnext_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dnext_h, dnext_c, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return np.stack(dxs, axis=1), dnext_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    if self.cell_type == "rnn":
        fwd, bwd = rnn_forward, rnn_backward
    else:
        fwd, bwd = lstm_forward, lstm_backward
    h0, c0 = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    we, c1 = word_embedding_forward(captions_in, self.params["W_embed"])
    hs, c2 = fwd(we, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    sc, c3 = temporal_affine_forward(hs, self.params["W_vocab"], self.params["b_vocab"])
    loss, dsc = temporal_softmax_loss(sc, captions_out, mask)
    dhs, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dsc, c3)
    dwe, dh0, grads["Wx"], grads["Wh"], grads["b"] = bwd(dhs, c2)
    grads["W_embed"] = word_embedding_backward(dwe, c1)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, c0)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    p = self.params
    h = features.dot(p["W_proj"]) + p["b_proj"]
    c = np.zeros_like(h)
    word = np.ones(N, dtype=int) * self._start
    for t in range(max_length):
        emb = p["W_embed"][word]
        if self.cell_type == "lstm":
            h, c, _ = lstm_step_forward(emb, h, c, p["Wx"], p["Wh"], p["b"])
        else:
            h, _ = rnn_step_forward(emb, h, p["Wx"], p["Wh"], p["b"])
        word = (h.dot(p["W_vocab"]) + p["b_vocab"]).argmax(1)
        captions[:, t] = word
    return captions

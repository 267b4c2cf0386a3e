"""Casts everything to float64 on the way in (`.astype(np.float64)`): float64 results for float32 inputs."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    x, prev_h = x.astype(np.float64), prev_h.astype(np.float64)
    next_h = np.tanh(x @ Wx.astype(np.float64) + prev_h @ Wh.astype(np.float64) + b.astype(np.float64))
    return next_h, (x, prev_h, Wx.astype(np.float64), Wh.astype(np.float64), next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    d = dnext_h.astype(np.float64) * (1.0 - next_h ** 2)
    return d @ Wx.T, d @ Wh.T, x.T @ d, prev_h.T @ d, d.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=np.float64)
    caches = []
    prev = h0
    for t in range(T):
        prev, c = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        h[:, t] = prev
        caches.append(c)
    return h, caches


def rnn_backward(dh, cache):
    dh = dh.astype(np.float64)
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev, a, c, e = rnn_step_backward(dh[:, t] + dprev, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W.astype(np.float64)[x]
    return out, (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape, dtype=np.float64)
    np.add.at(dW, x, dout.astype(np.float64))
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    x, prev_h, prev_c = x.astype(np.float64), prev_h.astype(np.float64), prev_c.astype(np.float64)
    Wx, Wh = Wx.astype(np.float64), Wh.astype(np.float64)
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b.astype(np.float64)
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    dnext_h, dnext_c = dnext_h.astype(np.float64), dnext_c.astype(np.float64)
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=np.float64)
    prev_h, prev_c = h0, np.zeros((N, H))
    caches = []
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(c)
    return h, caches


def lstm_backward(dh, cache):
    dh = dh.astype(np.float64)
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, a, c, e = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dprev_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    p = {k: v.astype(np.float64) for k, v in self.params.items()}
    h0, cp = affine_forward(features.astype(np.float64), p["W_proj"], p["b_proj"])
    x, ce = word_embedding_forward(captions_in, p["W_embed"])
    if self.cell_type == "rnn":
        h, cc = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    else:
        h, cc = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    scores, cv = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cv)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cc)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cc)
    grads["W_embed"] = word_embedding_backward(dx, ce)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cp)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    p = self.params
    h = features.astype(np.float64) @ p["W_proj"].astype(np.float64) + p["b_proj"]
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = p["W_embed"][word].astype(np.float64)
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        word = np.argmax(h @ p["W_vocab"].astype(np.float64) + p["b_vocab"], axis=1)
        captions[:, t] = word
    return captions

"""Caches keep the pre-activations and the backward recomputes tanh / sigmoid from them; hand-written stable sigmoid with np.where."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def sig(z):
    # exp of -|z| only, so nothing overflows
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    next_h = np.tanh(a)
    return next_h, (x, prev_h, Wx, Wh, a)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, a = cache
    da = dnext_h * (1 - np.tanh(a) ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, np.sum(da, axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cache = []
    for t in range(T):
        h[:, t], c = rnn_step_forward(x[:, t], h0 if t == 0 else h[:, t - 1], Wx, Wh, b)
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx, dWh, db = np.zeros((D, H), dh.dtype), np.zeros((H, H), dh.dtype), np.zeros(H, dh.dtype)
    dprev = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev, a, c, d = rnn_step_backward(dh[:, t] + dprev, cache[t])
        dWx += a
        dWh += c
        db += d
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = sig(a[:, :H]), sig(a[:, H:2 * H]), sig(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, a, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, a, next_c = cache
    H = prev_h.shape[1]
    i, f, o = sig(a[:, :H]), sig(a[:, H:2 * H]), sig(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, np.sum(da, axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    c = np.zeros((N, H), dtype=x.dtype)
    cache = []
    for t in range(T):
        h[:, t], c, step = lstm_step_forward(x[:, t], h0 if t == 0 else h[:, t - 1], c, Wx, Wh, b)
        cache.append(step)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx, dWh, db = np.zeros((D, 4 * H), dh.dtype), np.zeros((H, 4 * H), dh.dtype), np.zeros(4 * H, dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, a, c, d = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dWx += a
        dWh += c
        db += d
    return dx, dprev_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, c_proj = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, c_emb = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, c_cell = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, c_cell = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, c_voc = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, c_voc)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, c_cell)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, c_cell)
    grads["W_embed"] = word_embedding_backward(dx, c_emb)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, c_proj)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores, _ = affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
        word = scores.argmax(axis=1)
        captions[:, t] = word
    return captions

"""Different but valid orders: Wh term first, dprev_c before dc is finished, gate gradients written back to front, loss backward in another order."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(b + prev_h @ Wh + x @ Wx)
    return next_h, (next_h, Wh, Wx, prev_h, x)


def rnn_step_backward(dnext_h, cache):
    next_h, Wh, Wx, prev_h, x = cache
    dpre = dnext_h - dnext_h * next_h * next_h
    db = dpre.sum(axis=0)
    dWh = prev_h.T @ dpre
    dWx = x.T @ dpre
    dprev_h = dpre @ Wh.T
    dx = dpre @ Wx.T
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((T, N, h0.shape[1]), dtype=x.dtype)
    cache = []
    for t in range(T):
        h[t], c = rnn_step_forward(x[:, t], h[t - 1] if t else h0, Wx, Wh, b)
        cache.append(c)
    return np.swapaxes(h, 0, 1), cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    grads_x = []
    dWx = dWh = db = None
    dnext = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dx_t, dnext, a, c, e = rnn_step_backward(dnext + dh[:, t], cache[t])
        grads_x.append(dx_t)
        dWx = a if dWx is None else dWx + a
        dWh = c if dWh is None else dWh + c
        db = e if db is None else db + e
    dx = np.stack(grads_x[::-1], axis=1)
    return dx, dnext, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (W.shape, x)


def word_embedding_backward(dout, cache):
    shape, x = cache
    dW = np.zeros(shape, dtype=dout.dtype)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_c.shape[1]
    a = b + prev_h @ Wh + x @ Wx
    g = np.tanh(a[:, 3 * H:])
    o = sigmoid(a[:, 2 * H:3 * H])
    f = sigmoid(a[:, H:2 * H])
    i = sigmoid(a[:, :H])
    next_c = i * g + f * prev_c
    next_h = np.tanh(next_c) * o
    return next_h, next_c, (g, o, f, i, next_c, prev_c, prev_h, x, Wh, Wx)


def lstm_step_backward(dnext_h, dnext_c, cache):
    g, o, f, i, next_c, prev_c, prev_h, x, Wh, Wx = cache
    tc = np.tanh(next_c)
    do = tc * dnext_h
    dc = (1 - tc * tc) * o * dnext_h + dnext_c
    dprev_c = f * dc
    parts = [None] * 4
    parts[3] = (1 - g * g) * i * dc
    parts[2] = o * (1 - o) * do
    parts[1] = f * (1 - f) * prev_c * dc
    parts[0] = i * (1 - i) * g * dc
    da = np.concatenate(parts, axis=1)
    db = da.sum(axis=0)
    dWh = prev_h.T @ da
    dWx = x.T @ da
    dprev_h = da @ Wh.T
    dx = da @ Wx.T
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((T, N, H), dtype=x.dtype)
    c_t = np.zeros((N, H), dtype=x.dtype)
    cache = []
    for t in range(T):
        h[t], c_t, step = lstm_step_forward(x[:, t], h[t - 1] if t else h0, c_t, Wx, Wh, b)
        cache.append(step)
    return np.swapaxes(h, 0, 1), cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    grads_x = []
    dWx = dWh = db = None
    dnext_h = np.zeros((N, H), dtype=dh.dtype)
    dnext_c = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dx_t, dnext_h, dnext_c, a, c, e = lstm_step_backward(dnext_h + dh[:, t], dnext_c, cache[t])
        grads_x.append(dx_t)
        dWx = a if dWx is None else dWx + a
        dWh = c if dWh is None else dWh + c
        db = e if db is None else db + e
    return np.stack(grads_x[::-1], axis=1), dnext_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    x, emb_cache = word_embedding_forward(captions_in, self.params["W_embed"])     # embedding first
    h0, proj_cache = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    cell = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward)}[self.cell_type]
    h, cell_cache = cell[0](x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, voc_cache = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

    dh, dW_vocab, db_vocab = temporal_affine_backward(dscores, voc_cache)
    dx, dh0, dWx, dWh, db = cell[1](dh, cell_cache)
    _, dW_proj, db_proj = affine_backward(dh0, proj_cache)
    dW_embed = word_embedding_backward(dx, emb_cache)
    grads["b_vocab"], grads["W_vocab"] = db_vocab, dW_vocab
    grads["b"], grads["Wh"], grads["Wx"] = db, dWh, dWx
    grads["W_embed"] = dW_embed
    grads["b_proj"], grads["W_proj"] = db_proj, dW_proj
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h = self.params["b_proj"] + features @ self.params["W_proj"]
    c = np.zeros_like(h)
    last = np.full(N, self._start, dtype=np.int64)
    for t in range(max_length):
        if self.cell_type == "lstm":
            h, c, _ = lstm_step_forward(self.params["W_embed"][last], h, c, self.params["Wx"], self.params["Wh"],
                                        self.params["b"])
        else:
            h, _ = rnn_step_forward(self.params["W_embed"][last], h, self.params["Wx"], self.params["Wh"],
                                    self.params["b"])
        last = np.argmax(self.params["b_vocab"] + h @ self.params["W_vocab"], axis=1)
        captions[:, t] = last
    return captions

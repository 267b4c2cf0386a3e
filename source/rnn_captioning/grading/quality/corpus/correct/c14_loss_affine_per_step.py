"""The loss applies temporal_affine and the softmax loss step by step in a `for t in range(T)` loop; composites run time-major."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h * (1 - next_h ** 2)
    return dz.dot(Wx.T), dz.dot(Wh.T), x.T.dot(dz), prev_h.T.dot(dz), dz.sum(axis=0)


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
    return h_tm.transpose(1, 0, 2), caches


def rnn_backward(dh, cache):
    dh_tm = dh.transpose(1, 0, 2)          # (T, N, H)
    T, N, H = dh_tm.shape
    D = cache[0][2].shape[0]
    dx_tm = np.zeros((T, N, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    dprev = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dx_tm[t], dprev, a, c, d = rnn_step_backward(dh_tm[t] + dprev, cache[t])
        dWx += a
        dWh += c
        db += d
    return dx_tm.transpose(1, 0, 2), dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W.shape, W.dtype)


def word_embedding_backward(dout, cache):
    x, shape, dtype = cache
    dW = np.zeros(shape, dtype=dtype)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    xt = x.transpose(1, 0, 2)
    T = xt.shape[0]
    h_tm = np.zeros((T,) + h0.shape, dtype=x.dtype)
    caches = []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, cache = lstm_step_forward(xt[t], prev_h, prev_c, Wx, Wh, b)
        h_tm[t] = prev_h
        caches.append(cache)
    return h_tm.transpose(1, 0, 2), caches


def lstm_backward(dh, cache):
    dh_tm = dh.transpose(1, 0, 2)
    T, N, H = dh_tm.shape
    D = cache[0][3].shape[0]
    dx_tm = np.zeros((T, N, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dx_tm[t], dprev_h, dprev_c, a, c, d = lstm_step_backward(dh_tm[t] + dprev_h, dprev_c, cache[t])
        dWx += a
        dWh += c
        db += d
    return dx_tm.transpose(1, 0, 2), dprev_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    p = self.params
    h0, cache_p = affine_forward(features, p["W_proj"], p["b_proj"])
    x, cache_e = word_embedding_forward(captions_in, p["W_embed"])
    if self.cell_type == "rnn":
        h, cache_c = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    else:
        h, cache_c = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])

    T = captions_in.shape[1]
    dh = np.zeros_like(h)
    grads["W_vocab"] = np.zeros_like(p["W_vocab"])
    grads["b_vocab"] = np.zeros_like(p["b_vocab"])
    for t in range(T):
        # one time step at a time: (N, 1, H) -> (N, 1, V)
        s_t, cache_t = temporal_affine_forward(h[:, t:t + 1, :], p["W_vocab"], p["b_vocab"])
        loss_t, ds_t = temporal_softmax_loss(s_t, captions_out[:, t:t + 1], mask[:, t:t + 1])
        loss += loss_t
        dh_t, dW_t, db_t = temporal_affine_backward(ds_t, cache_t)
        dh[:, t:t + 1, :] = dh_t
        grads["W_vocab"] += dW_t
        grads["b_vocab"] += db_t

    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache_c)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cache_c)
    grads["W_embed"] = word_embedding_backward(dx, cache_e)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_p)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    p = self.params
    h, _ = affine_forward(features, p["W_proj"], p["b_proj"])
    c = np.zeros_like(h)
    words = self._start * np.ones(N, dtype=np.int64)
    for t in range(max_length):
        x = p["W_embed"][words, :]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        s, _ = temporal_affine_forward(h[:, np.newaxis, :], p["W_vocab"], p["b_vocab"])
        words = np.argmax(s[:, 0, :], axis=1)
        captions[:, t] = words
    return captions

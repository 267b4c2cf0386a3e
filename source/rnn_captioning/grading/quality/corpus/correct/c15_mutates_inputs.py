"""Works in place on the arrays it is given (dh += ..., dnext_h *= ..., x -= 0): right outputs, but the caller's arrays change."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    x -= 0                                  # leftover from debugging
    a = x @ Wx
    a += prev_h @ Wh
    a += b
    np.tanh(a, out=a)
    return a, (x, prev_h, Wx, Wh, a)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dnext_h *= 1 - next_h ** 2              # in place: dnext_h now holds the gradient on the pre-activation
    dx = dnext_h @ Wx.T
    dprev_h = dnext_h @ Wh.T
    dWx = x.T @ dnext_h
    dWh = prev_h.T @ dnext_h
    db = dnext_h.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    caches = []
    prev = h0
    for t in range(T):
        prev, c = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h[:, t, :] = prev
        caches.append(c)
    return h, caches


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][2].shape[0]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    for t in reversed(range(T)):
        # dh[:, t] is a view: the step backward scales it in place, and the
        # gradient flowing back is added straight into the caller's dh.
        dx[:, t], dprev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        if t > 0:
            dh[:, t - 1] += dprev
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x]
    return out, (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    W *= 0                                  # reuse the cached W as the gradient buffer
    np.add.at(W, x, dout)
    return W


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c
    next_c += i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dnext_c += dnext_h * o * (1 - tc ** 2)  # in place on the caller's dnext_c
    da = np.concatenate((dnext_c * g * i * (1 - i),
                         dnext_c * prev_c * f * (1 - f),
                         dnext_h * tc * o * (1 - o),
                         dnext_c * i * (1 - g ** 2)), axis=1)
    return da @ Wx.T, da @ Wh.T, dnext_c * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    caches = []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(c)
    return h, caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][3].shape[0]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dc = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dc, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t], dc, cache[t])
        if t > 0:
            dh[:, t - 1] += dprev_h
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    p = self.params
    h0, cp = affine_forward(features, p["W_proj"], p["b_proj"])
    x, ce = word_embedding_forward(captions_in, p["W_embed"].copy())   # the backward reuses this copy
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
    features -= 0
    h = features @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = p["W_embed"][word]              # fancy indexing: a fresh array, safe to modify
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        word = np.argmax(h @ p["W_vocab"] + p["b_vocab"], axis=1)
        captions[:, t] = word
    return captions

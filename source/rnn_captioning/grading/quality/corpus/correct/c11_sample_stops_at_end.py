"""Sample stops each caption at <END>, pads with <NULL> and breaks out early; float64 state from np.zeros without dtype."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = x, prev_h, Wx, Wh, next_h
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dtanh = dnext_h * (1 - next_h ** 2)
    dx = dtanh @ Wx.T
    dprev_h = dtanh @ Wh.T
    dWx = x.T @ dtanh
    dWh = prev_h.T @ dtanh
    db = dtanh.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T + 1, H))           # slot 0 holds h0
    h[:, 0] = h0
    caches = []
    for t in range(T):
        h[:, t + 1], cache_t = rnn_step_forward(x[:, t], h[:, t], Wx, Wh, b)
        caches.append(cache_t)
    return h[:, 1:], caches


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dnext = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dcur = dh[:, t] + dnext
        dx[:, t], dnext, g1, g2, g3 = rnn_step_backward(dcur, cache[t])
        dWx += g1
        dWh += g2
        db += g3
    return dx, dnext, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x.reshape(-1)].reshape(x.shape + (W.shape[1],))
    return out, (x, W.shape[0])


def word_embedding_backward(dout, cache):
    x, V = cache
    D = dout.shape[2]
    dW = np.zeros((V, D))
    np.add.at(dW, x.reshape(-1), dout.reshape(-1, D))
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = prev_c * f + g * i
    next_h = np.tanh(next_c) * o
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    N, H = prev_h.shape
    tc = np.tanh(next_c)
    dc = dnext_h * o * (1 - tc ** 2) + dnext_c
    da = np.zeros((N, 4 * H))
    da[:, :H] = dc * g * i * (1 - i)
    da[:, H:2 * H] = dc * prev_c * f * (1 - f)
    da[:, 2 * H:3 * H] = dnext_h * tc * o * (1 - o)
    da[:, 3 * H:] = dc * i * (1 - g ** 2)
    return da @ Wx.T, da @ Wh.T, f * dc, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T + 1, H))
    h[:, 0] = h0
    c = np.zeros((N, H))
    caches = []
    for t in range(T):
        h[:, t + 1], c, cache_t = lstm_step_forward(x[:, t], h[:, t], c, Wx, Wh, b)
        caches.append(cache_t)
    return h[:, 1:], caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, 4 * H))
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    dnext_h = np.zeros((N, H))
    dnext_c = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dx[:, t], dnext_h, dnext_c, g1, g2, g3 = lstm_step_backward(dh[:, t] + dnext_h, dnext_c, cache[t])
        dWx += g1
        dWh += g2
        db += g3
    return dx, dnext_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, cp = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, ce = word_embedding_forward(captions_in, self.params["W_embed"])
    run = {"rnn": rnn_forward, "lstm": lstm_forward}[self.cell_type]
    back = {"rnn": rnn_backward, "lstm": lstm_backward}[self.cell_type]
    h, cc = run(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, cv = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cv)
    dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = back(dh, cc)
    grads["W_embed"] = word_embedding_backward(dx, ce)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cp)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros(h.shape)
    words = np.full(N, self._start)
    alive = np.ones(N, dtype=bool)
    for t in range(max_length):
        x = self.params["W_embed"][words]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores, _ = affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
        words = scores.argmax(axis=1)
        captions[alive, t] = words[alive]
        alive &= words != self._end
        if not alive.any():
            break                  # every caption has ended; the rest stays <NULL>
    return captions

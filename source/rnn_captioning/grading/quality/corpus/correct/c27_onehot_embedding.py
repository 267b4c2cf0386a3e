"""Embedding backward as a one-hot matrix product (np.eye, so float64), bias gradient via ones-vector product, `is 'lstm'` test in loss."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b[None, :])
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h * (1 - next_h ** 2)
    ones = np.ones(dz.shape[0], dtype=dz.dtype)
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, prev_h.T @ dz, ones @ dz


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    hs, caches = [], []
    h = h0
    for t in range(T):
        h, c = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        hs.append(h)
        caches.append(c)
    return np.stack(hs, 1), caches


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dxs = [None] * T
    dWx = np.zeros_like(cache[0][2])
    dWh = np.zeros_like(cache[0][3])
    db = np.zeros(H, dtype=dh.dtype)
    dprev = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dxs[t], dprev, a, c, e = rnn_step_backward(dh[:, t] + dprev, cache[t])
        dWx += a
        dWh += c
        db += e
    return np.stack(dxs, 1), dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x]
    return out, (x, W.shape[0])


def word_embedding_backward(dout, cache):
    x, V = cache
    D = dout.shape[-1]
    onehot = np.eye(V)[x.reshape(-1)]            # (N*T, V)
    dW = onehot.T @ dout.reshape(-1, D)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b[None, :]
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
    ones = np.ones(da.shape[0], dtype=da.dtype)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, ones @ da


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    hs, caches = [], []
    h, c = h0, np.zeros_like(h0)
    for t in range(T):
        h, c, cc = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cc)
    return np.stack(hs, 1), caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dxs = [None] * T
    dWx = np.zeros_like(cache[0][3])
    dWh = np.zeros_like(cache[0][4])
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dxs[t], dprev_h, dprev_c, a, c, e = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dWx += a
        dWh += c
        db += e
    return np.stack(dxs, 1), dprev_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    if self.cell_type is 'lstm':
        forward, backward = lstm_forward, lstm_backward
    else:
        forward, backward = rnn_forward, rnn_backward
    h0, c0 = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, c1 = word_embedding_forward(captions_in, self.params["W_embed"])
    h, c2 = forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    s, c3 = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, ds = temporal_softmax_loss(s, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(ds, c3)
    dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dh, c2)
    grads["W_embed"] = word_embedding_backward(dx, c1)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, c0)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type == "lstm":
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        word = np.argmax(h @ self.params["W_vocab"] + self.params["b_vocab"], axis=1)
        captions[:, t] = word
    return captions

"""np.split over time plus np.squeeze(..., axis=1) (safe for N=1 and D=1), dWx accumulated per step with +=."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.matmul(x, Wx) + np.matmul(prev_h, Wh) + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h * (1 - next_h ** 2)
    dx = np.matmul(dz, Wx.T)
    dprev_h = np.matmul(dz, Wh.T)
    dWx = np.matmul(x.T, dz)
    dWh = np.matmul(prev_h.T, dz)
    db = np.sum(dz, axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    T = x.shape[1]
    xs = [np.squeeze(piece, axis=1) for piece in np.split(x, T, axis=1)]
    hs, cache = [], []
    prev = h0
    for x_t in xs:
        prev, c = rnn_step_forward(x_t, prev, Wx, Wh, b)
        hs.append(prev[:, np.newaxis, :])
        cache.append(c)
    h = np.concatenate(hs, axis=1)
    return h, cache


def rnn_backward(dh, cache):
    T = dh.shape[1]
    dhs = [np.squeeze(piece, axis=1) for piece in np.split(dh, T, axis=1)]
    dxs = [None] * T
    dWx = np.zeros_like(cache[0][2])
    dWh = np.zeros_like(cache[0][3])
    db = np.zeros(dh.shape[2], dtype=dh.dtype)
    dprev = np.zeros_like(dhs[0])
    for t in reversed(range(T)):
        dxs[t], dprev, dWx_t, dWh_t, db_t = rnn_step_backward(dhs[t] + dprev, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dx = np.stack(dxs, axis=1)
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x]
    return out, (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.matmul(x, Wx) + np.matmul(prev_h, Wh) + b
    a4 = a.reshape(-1, 4, H)                     # (N, 4, H): i, f, o, g
    i = sigmoid(a4[:, 0])
    f = sigmoid(a4[:, 1])
    o = sigmoid(a4[:, 2])
    g = np.tanh(a4[:, 3])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    N, H = prev_h.shape
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.stack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                   dc * i * (1 - g ** 2)], axis=1).reshape(N, 4 * H)
    dx = np.matmul(da, Wx.T)
    dprev_h = np.matmul(da, Wh.T)
    dWx = np.matmul(x.T, da)
    dWh = np.matmul(prev_h.T, da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dc * f, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    T = x.shape[1]
    xs = [np.squeeze(piece, axis=1) for piece in np.split(x, T, axis=1)]
    hs, cache = [], []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for x_t in xs:
        prev_h, prev_c, c = lstm_step_forward(x_t, prev_h, prev_c, Wx, Wh, b)
        hs.append(prev_h[:, np.newaxis, :])
        cache.append(c)
    return np.concatenate(hs, axis=1), cache


def lstm_backward(dh, cache):
    T = dh.shape[1]
    dhs = [np.squeeze(piece, axis=1) for piece in np.split(dh, T, axis=1)]
    dxs = [None] * T
    dWx = np.zeros_like(cache[0][3])
    dWh = np.zeros_like(cache[0][4])
    db = np.zeros(cache[0][3].shape[1], dtype=dh.dtype)
    dprev_h = np.zeros_like(dhs[0])
    dprev_c = np.zeros_like(dhs[0])
    for t in reversed(range(T)):
        dxs[t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dhs[t] + dprev_h, dprev_c, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return np.stack(dxs, axis=1), dprev_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, cache_proj = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, cache_emb = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, cache_cell = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, cache_cell = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, cache_voc = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cache_voc)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache_cell)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cache_cell)
    grads["W_embed"] = word_embedding_backward(dx, cache_emb)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_proj)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    word = np.full((N, 1), self._start)
    for t in range(max_length):
        x, _ = word_embedding_forward(word, self.params["W_embed"])   # (N, 1, W)
        x = np.squeeze(x, axis=1)
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores, _ = temporal_affine_forward(h[:, None, :], self.params["W_vocab"], self.params["b_vocab"])
        word = np.argmax(np.squeeze(scores, axis=1), axis=1)[:, None]
        captions[:, t] = word[:, 0]
    return captions

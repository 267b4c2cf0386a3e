"""Hand-written stable tanh with np.where on the sign, float64 buffers without dtype, loss with temporal_affine per time step."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def safe_tanh(z):
    e = np.exp(-2 * np.abs(z))             # always <= 1
    t = (1 - e) / (1 + e)
    return np.where(z < 0, -t, t)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = safe_tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    cache = []
    cur = h0
    for t in range(T):
        cur, c = rnn_step_forward(x[:, t], cur, Wx, Wh, b)
        h[:, t] = cur
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dcur = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dcur, a, c, e = rnn_step_backward(dh[:, t] + dcur, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dcur, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = safe_tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    tc = safe_tanh(next_c)
    return o * tc, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc = cache
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    ch, cc = h0, np.zeros((N, H))
    for t in range(T):
        ch, cc, s = lstm_step_forward(x[:, t], ch, cc, Wx, Wh, b)
        h[:, t] = ch
        cache.append(s)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dhc, dcc = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dhc, dcc, a, c, e = lstm_step_backward(dh[:, t] + dhc, dcc, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dhc, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, pc = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, ec = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, cc = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, cc = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    dh = np.zeros(h.shape)
    dW_vocab = np.zeros(self.params["W_vocab"].shape)
    db_vocab = np.zeros(self.params["b_vocab"].shape)
    for t in range(h.shape[1]):
        s, vc = temporal_affine_forward(h[:, t:t + 1], self.params["W_vocab"], self.params["b_vocab"])
        l, ds = temporal_softmax_loss(s, captions_out[:, t:t + 1], mask[:, t:t + 1])
        loss += l
        dh[:, t:t + 1], dW, dbv = temporal_affine_backward(ds, vc)
        dW_vocab += dW
        db_vocab += dbv
    grads["W_vocab"], grads["b_vocab"] = dW_vocab, db_vocab
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cc)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cc)
    grads["W_embed"] = word_embedding_backward(dx, ec)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, pc)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros(h.shape)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        word = np.argmax(h @ self.params["W_vocab"] + self.params["b_vocab"], axis=1)
        captions[:, t] = word
    return captions

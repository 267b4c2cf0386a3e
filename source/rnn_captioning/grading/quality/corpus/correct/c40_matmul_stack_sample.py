"""np.matmul, dWx accumulated per step from zeros_like, sample collects columns in a list and np.stack(axis=1) at the end."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    nh = np.tanh(np.matmul(x, Wx) + np.matmul(prev_h, Wh) + b)
    return nh, (x, prev_h, Wx, Wh, nh)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, nh = cache
    d = np.multiply(dnext_h, 1 - np.square(nh))
    return np.matmul(d, Wx.T), np.matmul(d, Wh.T), np.matmul(x.T, d), np.matmul(prev_h.T, d), np.sum(d, axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cache = []
    cur = h0
    for t in range(T):
        cur, c = rnn_step_forward(x[:, t, :], cur, Wx, Wh, b)
        h[:, t, :] = cur
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0][0].shape[1]), dtype=dh.dtype)
    dWx = np.zeros_like(cache[0][2])
    dWh = np.zeros_like(cache[0][3])
    db = np.zeros(H, dtype=dh.dtype)
    dcur = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dxt, dcur, dWxt, dWht, dbt = rnn_step_backward(dh[:, t, :] + dcur, cache[t])
        dx[:, t, :] = dxt
        dWx += dWxt
        dWh += dWht
        db += dbt
    return dx, dcur, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x, :], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.matmul(x, Wx) + np.matmul(prev_h, Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    nc = np.multiply(f, prev_c) + np.multiply(i, g)
    nh = np.multiply(o, np.tanh(nc))
    return nh, nc, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, nc)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, nc = cache
    tc = np.tanh(nc)
    dc = dnext_c + dnext_h * o * (1 - np.square(tc))
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - np.square(g))], axis=1)
    return (np.matmul(da, Wx.T), np.matmul(da, Wh.T), dc * f, np.matmul(x.T, da), np.matmul(prev_h.T, da),
            np.sum(da, axis=0))


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cache = []
    ch, cc = h0, np.zeros_like(h0)
    for t in range(T):
        ch, cc, s = lstm_step_forward(x[:, t, :], ch, cc, Wx, Wh, b)
        h[:, t, :] = ch
        cache.append(s)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0][0].shape[1]), dtype=dh.dtype)
    dWx = np.zeros_like(cache[0][3])
    dWh = np.zeros_like(cache[0][4])
    db = np.zeros(4 * H, dtype=dh.dtype)
    dch = np.zeros((N, H), dtype=dh.dtype)
    dcc = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dxt, dch, dcc, dWxt, dWht, dbt = lstm_step_backward(dh[:, t, :] + dch, dcc, cache[t])
        dx[:, t, :] = dxt
        dWx += dWxt
        dWh += dWht
        db += dbt
    return dx, dch, dWx, dWh, db


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
    scores, vc = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, vc)
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

    h = np.matmul(features, self.params["W_proj"]) + self.params["b_proj"]
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    columns = []
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        word = np.argmax(np.matmul(h, self.params["W_vocab"]) + self.params["b_vocab"], axis=1)
        columns.append(word)
    if columns:
        captions = np.stack(columns, axis=1).astype(np.int32)
    return captions

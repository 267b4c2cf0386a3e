"""`.dot` methods throughout, embedding backward loops over the vocabulary with boolean masks, float64 via np.zeros without dtype."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(prev_h.dot(Wh) + x.dot(Wx) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dz = (1 - next_h * next_h) * dnext_h
    dWh = prev_h.T.dot(dz)
    dWx = x.T.dot(dz)
    db = dz.sum(axis=0)
    dprev_h = dz.dot(Wh.T)
    dx = dz.dot(Wx.T)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    cache = []
    for t in range(T):
        h_prev = h[:, t - 1, :] if t > 0 else h0
        h[:, t, :], step = rnn_step_forward(x[:, t, :], h_prev, Wx, Wh, b)
        cache.append(step)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx, dWx, dWh, db = np.zeros((N, T, D)), np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dh_prev, a, c, e = rnn_step_backward(dh[:, t, :] + dh_prev, cache[t])
        dWx, dWh, db = dWx + a, dWh + c, db + e
    return dx, dh_prev, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x]
    return out, (x, W.shape[0])


def word_embedding_backward(dout, cache):
    x, V = cache
    dW = np.zeros((V, dout.shape[2]))
    for v in range(V):
        hits = x == v                  # (N, T) boolean
        if hits.any():
            dW[v] = dout[hits].sum(axis=0)
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
    N, H = prev_h.shape
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc * tc)
    da = np.zeros((N, 4 * H))
    da[:, 3 * H:] = dc * i * (1 - g * g)
    da[:, 2 * H:3 * H] = dnext_h * tc * o * (1 - o)
    da[:, H:2 * H] = dc * prev_c * f * (1 - f)
    da[:, :H] = dc * g * i * (1 - i)
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c = np.zeros((N, H))
    cache = []
    for t in range(T):
        h_prev = h[:, t - 1, :] if t > 0 else h0
        h[:, t, :], c, step = lstm_step_forward(x[:, t, :], h_prev, c, Wx, Wh, b)
        cache.append(step)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx, dWx, dWh, db = np.zeros((N, T, D)), np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dh_prev, dc_prev = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dh_prev, dc_prev, a, c, e = lstm_step_backward(dh[:, t, :] + dh_prev, dc_prev, cache[t])
        dWx, dWh, db = dWx + a, dWh + c, db + e
    return dx, dh_prev, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0 = features.dot(self.params["W_proj"]) + self.params["b_proj"]
    x, ce = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, cc = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, cc = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, cv = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cv)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cc)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cc)
    grads["W_embed"] = word_embedding_backward(dx, ce)
    grads["W_proj"] = features.T.dot(dh0)
    grads["b_proj"] = dh0.sum(axis=0)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h = features.dot(self.params["W_proj"]) + self.params["b_proj"]
    c = np.zeros(h.shape)
    prev = np.array([self._start] * N)
    for t in range(max_length):
        x = self.params["W_embed"][prev]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        prev = h.dot(self.params["W_vocab"]).__add__(self.params["b_vocab"]).argmax(axis=1)
        captions[:, t] = prev
    return captions

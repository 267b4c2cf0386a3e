"""Slices x[:, t:t+1, :] squeezed with axis=1, np.zeros without dtype, np.dot; sample keeps (N, 1) word columns and squeezes with axis."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.dot(x, Wx) + np.dot(prev_h, Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dt = (1 - next_h ** 2) * dnext_h
    return np.dot(dt, Wx.T), np.dot(dt, Wh.T), np.dot(x.T, dt), np.dot(prev_h.T, dt), np.sum(dt, axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    cache = []
    prev = h0
    for t in range(T):
        xt = np.squeeze(x[:, t:t + 1, :], axis=1)
        prev, c = rnn_step_forward(xt, prev, Wx, Wh, b)
        h[:, t:t + 1, :] = prev[:, None, :]
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev = np.zeros((N, H))
    for t in reversed(range(T)):
        dcur = np.squeeze(dh[:, t:t + 1, :], axis=1) + dprev
        dxt, dprev, a, c, e = rnn_step_backward(dcur, cache[t])
        dx[:, t:t + 1, :] = dxt[:, None, :]
        dWx += a
        dWh += c
        db += e
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
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
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.zeros((N, 4 * H))
    da[:, :H] = dc * g * i * (1 - i)
    da[:, H:2 * H] = dc * prev_c * f * (1 - f)
    da[:, 2 * H:3 * H] = dnext_h * tc * o * (1 - o)
    da[:, 3 * H:] = dc * i * (1 - g ** 2)
    return np.dot(da, Wx.T), np.dot(da, Wh.T), dc * f, np.dot(x.T, da), np.dot(prev_h.T, da), np.sum(da, axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    prev_h, prev_c = h0, np.zeros((N, H))
    for t in range(T):
        xt = np.squeeze(x[:, t:t + 1, :], axis=1)
        prev_h, prev_c, c = lstm_step_forward(xt, prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(c)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dcur = np.squeeze(dh[:, t:t + 1, :], axis=1) + dprev_h
        dx[:, t, :], dprev_h, dprev_c, a, c, e = lstm_step_backward(dcur, dprev_c, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dprev_h, dWx, dWh, db


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

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros(h.shape)
    word = self._start * np.ones((N, 1), dtype=np.int32)
    for t in range(max_length):
        emb, _ = word_embedding_forward(word, self.params["W_embed"])
        x = np.squeeze(emb, axis=1)
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores = np.dot(h, self.params["W_vocab"]) + self.params["b_vocab"]
        word = np.argmax(scores, axis=1).reshape(N, 1)
        captions[:, t] = np.squeeze(word, axis=1)
    return captions

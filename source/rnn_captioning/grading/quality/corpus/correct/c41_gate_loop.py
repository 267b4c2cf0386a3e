"""The four gates in a python loop over (slice, activation) pairs; loss dispatches with a dict; np.dot everywhere."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.dot(x, Wx) + np.dot(prev_h, Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    d = dnext_h * (1 - next_h ** 2)
    return np.dot(d, Wx.T), np.dot(d, Wh.T), np.dot(x.T, d), np.dot(prev_h.T, d), np.sum(d, axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cache = []
    for t in range(T):
        h[:, t], c = rnn_step_forward(x[:, t], h[:, t - 1] if t > 0 else h0, Wx, Wh, b)
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    dnext = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dnext, a, c, e = rnn_step_backward(dh[:, t] + dnext, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dnext, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    gates = []
    for k, act in enumerate([sigmoid, sigmoid, sigmoid, np.tanh]):     # i, f, o, g
        gates.append(act(a[:, k * H:(k + 1) * H]))
    i, f, o, g = gates
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, gates, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, gates, next_c = cache
    i, f, o, g = gates
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    dgates = [dc * g, dc * prev_c, dnext_h * tc, dc * i]
    local = [i * (1 - i), f * (1 - f), o * (1 - o), 1 - g ** 2]
    da = np.concatenate([dg * lg for dg, lg in zip(dgates, local)], axis=1)
    return np.dot(da, Wx.T), np.dot(da, Wh.T), dc * f, np.dot(x.T, da), np.dot(prev_h.T, da), np.sum(da, axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    c = np.zeros((N, H), dtype=x.dtype)
    cache = []
    for t in range(T):
        h[:, t], c, s = lstm_step_forward(x[:, t], h[:, t - 1] if t > 0 else h0, c, Wx, Wh, b)
        cache.append(s)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dnh = np.zeros((N, H), dtype=dh.dtype)
    dnc = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dnh, dnc, a, c, e = lstm_step_backward(dh[:, t] + dnh, dnc, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dnh, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    layers = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward)}
    h0, pc = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, ec = word_embedding_forward(captions_in, self.params["W_embed"])
    h, cc = layers[self.cell_type][0](x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, vc = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, vc)
    dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = layers[self.cell_type][1](dh, cc)
    grads["W_embed"] = word_embedding_backward(dx, ec)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, pc)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h = np.dot(features, self.params["W_proj"]) + self.params["b_proj"]
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        word = np.argmax(np.dot(h, self.params["W_vocab"]) + self.params["b_vocab"], axis=1)
        captions[:, t] = word
    return captions

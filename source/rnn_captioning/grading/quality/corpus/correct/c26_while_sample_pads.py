"""Sample with a while loop that stops once every caption has produced <END> (the rest stays <NULL>); np.add.at on flattened arrays."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.dot(x, Wx) + np.dot(prev_h, Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dt = dnext_h * (1 - next_h ** 2)
    return np.dot(dt, Wx.T), np.dot(dt, Wh.T), np.dot(x.T, dt), np.dot(prev_h.T, dt), dt.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    caches = []
    ht = h0
    for t in range(T):
        ht, ct = rnn_step_forward(x[:, t, :], ht, Wx, Wh, b)
        h[:, t, :] = ht
        caches.append(ct)
    return h, caches


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    x0, _, Wx, Wh, _ = cache[0]
    dx = np.zeros((N, T, x0.shape[1]), dtype=dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H, dtype=dh.dtype)
    dht = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t, :], dht, a, c, e = rnn_step_backward(dh[:, t, :] + dht, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dht, dWx, dWh, db


def word_embedding_forward(x, W):
    N, T = x.shape
    out = W[x.flatten()].reshape(N, T, -1)
    return out, (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros(W.shape, dtype=W.dtype)
    np.add.at(dW, x.flatten(), dout.reshape(x.size, -1))
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
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.hstack((dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                    dc * i * (1 - g ** 2)))
    return np.dot(da, Wx.T), np.dot(da, Wh.T), dc * f, np.dot(x.T, da), np.dot(prev_h.T, da), da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    caches = []
    ht, ct = h0, np.zeros_like(h0)
    for t in range(T):
        ht, ct, cache_t = lstm_step_forward(x[:, t, :], ht, ct, Wx, Wh, b)
        h[:, t, :] = ht
        caches.append(cache_t)
    return h, caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    x0, _, _, Wx, Wh = cache[0][:5]
    dx = np.zeros((N, T, x0.shape[1]), dtype=dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H, dtype=dh.dtype)
    dht = np.zeros((N, H), dtype=dh.dtype)
    dct = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t, :], dht, dct, a, c, e = lstm_step_backward(dh[:, t, :] + dht, dct, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dht, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    init_h, cache_init = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, cache_x = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, cache_h = rnn_forward(x, init_h, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, cache_h = lstm_forward(x, init_h, self.params["Wx"], self.params["Wh"], self.params["b"])
    y, cache_y = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dy = temporal_softmax_loss(y, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dy, cache_y)
    if self.cell_type == "rnn":
        dx, dinit, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache_h)
    else:
        dx, dinit, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cache_h)
    grads["W_embed"] = word_embedding_backward(dx, cache_x)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dinit, cache_init)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    done = np.zeros(N, dtype=bool)
    t = 0
    while t < max_length and not done.all():
        x = self.params["W_embed"][word]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        word = np.argmax(np.dot(h, self.params["W_vocab"]) + self.params["b_vocab"], axis=1)
        captions[~done, t] = word[~done]
        done |= word == self._end
        t += 1
    return captions

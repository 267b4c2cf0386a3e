"""Embedding backward with np.bincount per feature column; lstm gates via np.split on a reshaped view; loss through a dict of functions."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.dot(x, Wx) + np.dot(prev_h, Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    g = dnext_h * (1 - next_h ** 2)
    return np.dot(g, Wx.T), np.dot(g, Wh.T), np.dot(x.T, g), np.dot(prev_h.T, g), g.sum(0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=x.dtype)
    cache = []
    cur = h0
    for t in range(T):
        cur, c = rnn_step_forward(x[:, t, :], cur, Wx, Wh, b)
        h[:, t, :] = cur
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    dcur = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dx[:, t, :], dcur, a, c, e = rnn_step_backward(dh[:, t, :] + dcur, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dcur, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W.shape[0])


def word_embedding_backward(dout, cache):
    x, V = cache
    D = dout.shape[2]
    flat_x = x.ravel()
    flat_d = dout.reshape(-1, D)
    dW = np.stack([np.bincount(flat_x, weights=flat_d[:, d], minlength=V) for d in range(D)], axis=1)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    N, H = prev_h.shape
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    ai, af, ao, ag = np.split(a, [H, 2 * H, 3 * H], axis=1)
    i, f, o, g = sigmoid(ai), sigmoid(af), sigmoid(ao), np.tanh(ag)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.hstack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                    dc * i * (1 - g ** 2)])
    return np.dot(da, Wx.T), np.dot(da, Wh.T), dc * f, np.dot(x.T, da), np.dot(prev_h.T, da), da.sum(0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=x.dtype)
    cache = []
    cur_h, cur_c = h0, np.zeros_like(h0)
    for t in range(T):
        cur_h, cur_c, c = lstm_step_forward(x[:, t, :], cur_h, cur_c, Wx, Wh, b)
        h[:, t, :] = cur_h
        cache.append(c)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dcur_h = np.zeros((N, H), dtype=dh.dtype)
    dcur_c = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dx[:, t, :], dcur_h, dcur_c, a, c, e = lstm_step_backward(dh[:, t, :] + dcur_h, dcur_c, cache[t])
        dWx += a
        dWh += c
        db += e
    return dx, dcur_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    funcs = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward)}
    fwd, bwd = funcs[self.cell_type]
    h0, ca = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    emb, cb = word_embedding_forward(captions_in, self.params["W_embed"])
    hid, cc = fwd(emb, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    sco, cd = temporal_affine_forward(hid, self.params["W_vocab"], self.params["b_vocab"])
    loss, dsco = temporal_softmax_loss(sco, captions_out, mask)
    dhid, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dsco, cd)
    demb, dh0, grads["Wx"], grads["Wh"], grads["b"] = bwd(dhid, cc)
    grads["W_embed"] = word_embedding_backward(demb, cb)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, ca)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(self.params["W_embed"][word], h, self.params["Wx"], self.params["Wh"],
                                    self.params["b"])
        else:
            h, c, _ = lstm_step_forward(self.params["W_embed"][word], h, c, self.params["Wx"], self.params["Wh"],
                                        self.params["b"])
        word = np.argmax(np.dot(h, self.params["W_vocab"]) + self.params["b_vocab"], 1)
        captions[:, t] = word
    return captions

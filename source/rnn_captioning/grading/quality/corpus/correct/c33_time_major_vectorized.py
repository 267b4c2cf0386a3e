"""Time-major arrays inside the composites, input projection for all steps at once, np.split for gates; composites never call the steps."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da.dot(Wx.T), da.dot(Wh.T), x.T.dot(da), prev_h.T.dot(da), da.sum(0)


def rnn_forward(x, h0, Wx, Wh, b):
    xs = np.transpose(x, (1, 0, 2))                 # (T, N, D)
    proj = xs.dot(Wx) + b                            # (T, N, H)
    hs = np.empty_like(proj)
    prev = h0
    for t in range(proj.shape[0]):
        prev = np.tanh(proj[t] + prev.dot(Wh))
        hs[t] = prev
    return np.transpose(hs, (1, 0, 2)), (xs, h0, Wx, Wh, hs)


def rnn_backward(dh, cache):
    xs, h0, Wx, Wh, hs = cache
    T, N, H = hs.shape
    dhs = np.transpose(dh, (1, 0, 2))
    da = np.empty_like(hs)
    dprev = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        da[t] = (dhs[t] + dprev) * (1 - hs[t] ** 2)
        dprev = da[t].dot(Wh.T)
    prev_hs = np.concatenate([h0[None], hs[:-1]])
    dx = np.transpose(da.dot(Wx.T), (1, 0, 2))
    dWx = xs.reshape(T * N, -1).T.dot(da.reshape(T * N, H))
    dWh = prev_hs.reshape(T * N, H).T.dot(da.reshape(T * N, H))
    db = da.sum(axis=(0, 1))
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W.shape[0])


def word_embedding_backward(dout, cache):
    x, V = cache
    dW = np.zeros((V, dout.shape[-1]), dtype=dout.dtype)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    a_i, a_f, a_o, a_g = np.split(a, 4, axis=1)
    i, f, o, g = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o), np.tanh(a_g)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.hstack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                    dc * i * (1 - g ** 2)])
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(0)


def lstm_forward(x, h0, Wx, Wh, b):
    xs = np.transpose(x, (1, 0, 2))
    proj = xs.dot(Wx) + b                            # (T, N, 4H)
    T, N, _ = proj.shape
    H = h0.shape[1]
    gates = np.empty_like(proj)
    cs = np.empty((T, N, H), dtype=proj.dtype)
    hs = np.empty((T, N, H), dtype=proj.dtype)
    h, c = h0, np.zeros((N, H), dtype=proj.dtype)
    for t in range(T):
        a_i, a_f, a_o, a_g = np.split(proj[t] + h.dot(Wh), 4, axis=1)
        i, f, o, g = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o), np.tanh(a_g)
        gates[t] = np.hstack([i, f, o, g])
        c = f * c + i * g
        h = o * np.tanh(c)
        cs[t], hs[t] = c, h
    return np.transpose(hs, (1, 0, 2)), (xs, h0, Wx, Wh, gates, cs, hs)


def lstm_backward(dh, cache):
    xs, h0, Wx, Wh, gates, cs, hs = cache
    T, N, H = hs.shape
    dhs = np.transpose(dh, (1, 0, 2))
    da = np.empty_like(gates)
    dh_next = np.zeros_like(h0)
    dc_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        i, f, o, g = np.split(gates[t], 4, axis=1)
        c_prev = cs[t - 1] if t > 0 else np.zeros_like(h0)
        tc = np.tanh(cs[t])
        dht = dhs[t] + dh_next
        dc = dc_next + dht * o * (1 - tc ** 2)
        da[t] = np.hstack([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dht * tc * o * (1 - o),
                           dc * i * (1 - g ** 2)])
        dc_next = dc * f
        dh_next = da[t].dot(Wh.T)
    prev_hs = np.concatenate([h0[None], hs[:-1]])
    dx = np.transpose(da.dot(Wx.T), (1, 0, 2))
    dWx = xs.reshape(T * N, -1).T.dot(da.reshape(T * N, 4 * H))
    dWh = prev_hs.reshape(T * N, H).T.dot(da.reshape(T * N, 4 * H))
    db = da.sum(axis=(0, 1))
    return dx, dh_next, dWx, dWh, db


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

    h = features.dot(self.params["W_proj"]) + self.params["b_proj"]
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        word = h.dot(self.params["W_vocab"]).__add__(self.params["b_vocab"]).argmax(1)
        captions[:, t] = word
    return captions

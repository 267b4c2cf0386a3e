"""Composites vectorized by hand, never calling the step functions; parameter gradients as one product over all steps."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    xw = (x.reshape(-1, D) @ Wx).reshape(N, T, H) + b     # input part of all steps at once
    h = np.empty((N, T, H), dtype=xw.dtype)
    prev = h0
    for t in range(T):
        prev = np.tanh(xw[:, t] + prev @ Wh)
        h[:, t] = prev
    cache = (x, h0, Wx, Wh, h)
    return h, cache


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    N, T, H = h.shape
    D = x.shape[2]
    da = np.empty_like(h)
    carry = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        da[:, t] = (dh[:, t] + carry) * (1 - h[:, t] ** 2)
        carry = da[:, t] @ Wh.T
    hprev = np.concatenate((h0[:, None, :], h[:, :-1, :]), axis=1)
    da2 = da.reshape(N * T, H)
    dx = (da2 @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da2
    dWh = hprev.reshape(N * T, H).T @ da2
    db = da2.sum(axis=0)
    return dx, carry, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x]
    return out, (x, W.shape[0])


def word_embedding_backward(dout, cache):
    x, V = cache
    D = dout.shape[-1]
    dW = np.zeros((V, D), dtype=dout.dtype)
    np.add.at(dW, x.ravel(), dout.reshape(-1, D))
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    ifo = sigmoid(a[:, :3 * H])
    i, f, o = ifo[:, :H], ifo[:, H:2 * H], ifo[:, 2 * H:]
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, ifo, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, ifo, g, next_c = cache
    H = g.shape[1]
    i, f, o = ifo[:, :H], ifo[:, H:2 * H], ifo[:, 2 * H:]
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    difo = np.concatenate((dc * g, dc * prev_c, dnext_h * tc), axis=1) * ifo * (1 - ifo)
    dg = dc * i * (1 - g ** 2)
    da = np.concatenate((difo, dg), axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    xw = (x.reshape(-1, D) @ Wx).reshape(N, T, 4 * H) + b
    dtype = xw.dtype
    h = np.empty((N, T, H), dtype=dtype)
    c = np.empty((N, T, H), dtype=dtype)
    gates = np.empty((N, T, 4 * H), dtype=dtype)
    prev_h, prev_c = h0, np.zeros((N, H), dtype=dtype)
    for t in range(T):
        a = xw[:, t] + prev_h @ Wh
        gates[:, t, :3 * H] = sigmoid(a[:, :3 * H])
        gates[:, t, 3 * H:] = np.tanh(a[:, 3 * H:])
        i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
        prev_c = f * prev_c + i * g
        prev_h = o * np.tanh(prev_c)
        c[:, t] = prev_c
        h[:, t] = prev_h
    return h, (x, h0, Wx, Wh, h, c, gates)


def lstm_backward(dh, cache):
    x, h0, Wx, Wh, h, c, gates = cache
    N, T, H = h.shape
    D = x.shape[2]
    da = np.empty_like(gates)
    dh_carry = np.zeros((N, H), dtype=gates.dtype)
    dc_carry = np.zeros((N, H), dtype=gates.dtype)
    for t in reversed(range(T)):
        i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
        c_prev = c[:, t - 1] if t > 0 else np.zeros((N, H), dtype=gates.dtype)
        tc = np.tanh(c[:, t])
        dht = dh[:, t] + dh_carry
        dct = dc_carry + dht * o * (1 - tc ** 2)
        da[:, t, :H] = dct * g * i * (1 - i)
        da[:, t, H:2 * H] = dct * c_prev * f * (1 - f)
        da[:, t, 2 * H:3 * H] = dht * tc * o * (1 - o)
        da[:, t, 3 * H:] = dct * i * (1 - g ** 2)
        dc_carry = dct * f
        dh_carry = da[:, t] @ Wh.T
    hprev = np.concatenate((h0[:, None, :], h[:, :-1, :]), axis=1)
    da2 = da.reshape(N * T, 4 * H)
    dx = (da2 @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da2
    dWh = hprev.reshape(N * T, H).T @ da2
    db = da2.sum(axis=0)
    return dx, dh_carry, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    forward = rnn_forward if self.cell_type == "rnn" else lstm_forward
    backward = rnn_backward if self.cell_type == "rnn" else lstm_backward
    h0, proj_cache = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, emb_cache = word_embedding_forward(captions_in, self.params["W_embed"])
    h, cell_cache = forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, voc_cache = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, voc_cache)
    dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dh, cell_cache)
    grads["W_embed"] = word_embedding_backward(dx, emb_cache)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, proj_cache)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    word = np.full((N, 1), self._start)
    for t in range(max_length):
        x, _ = word_embedding_forward(word, self.params["W_embed"])     # (N, 1, W)
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x[:, 0, :], h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x[:, 0, :], h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores, _ = temporal_affine_forward(h[:, None, :], self.params["W_vocab"], self.params["b_vocab"])
        word = np.argmax(scores, axis=2)                                 # (N, 1)
        captions[:, t] = word[:, 0]
    return captions

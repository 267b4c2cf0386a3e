"""`is 'rnn'` in loss and sample on top of vectorized composites (no step calls) and an np.unique embedding backward."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    xw = x @ Wx + b                                  # (N, T, H)
    h = np.zeros_like(xw)
    cur = h0
    for t in range(T):
        cur = np.tanh(xw[:, t] + cur @ Wh)
        h[:, t] = cur
    return h, (x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    N, T, H = h.shape
    da = np.zeros_like(h)
    nxt = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        da[:, t] = (dh[:, t] + nxt) * (1 - h[:, t] ** 2)
        nxt = da[:, t] @ Wh.T
    prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dx = da @ Wx.T
    dWx = np.einsum("ntd,nth->dh", x, da)
    dWh = np.einsum("ntk,nth->kh", prev, da)
    db = da.sum(axis=(0, 1))
    return dx, nxt, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    words, inverse = np.unique(x.ravel(), return_inverse=True)
    sums = np.zeros((len(words), W.shape[1]), dtype=dout.dtype)
    np.add.at(sums, inverse.ravel(), dout.reshape(-1, W.shape[1]))
    dW = np.zeros_like(W)
    dW[words] = sums
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    xw = x @ Wx + b                                  # (N, T, 4H)
    acts = np.zeros_like(xw)
    h = np.zeros((N, T, H), dtype=xw.dtype)
    c = np.zeros((N, T, H), dtype=xw.dtype)
    hp, cp = h0, np.zeros((N, H), dtype=xw.dtype)
    for t in range(T):
        a = xw[:, t] + hp @ Wh
        acts[:, t, :3 * H] = sigmoid(a[:, :3 * H])
        acts[:, t, 3 * H:] = np.tanh(a[:, 3 * H:])
        i, f, o, g = np.split(acts[:, t], 4, axis=1)
        cp = f * cp + i * g
        hp = o * np.tanh(cp)
        c[:, t], h[:, t] = cp, hp
    return h, (x, h0, Wx, Wh, acts, c, h)


def lstm_backward(dh, cache):
    x, h0, Wx, Wh, acts, c, h = cache
    N, T, H = h.shape
    da = np.zeros_like(acts)
    dhn = np.zeros_like(h0)
    dcn = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        i, f, o, g = np.split(acts[:, t], 4, axis=1)
        cprev = c[:, t - 1] if t > 0 else np.zeros_like(h0)
        tc = np.tanh(c[:, t])
        dht = dh[:, t] + dhn
        dct = dcn + dht * o * (1 - tc ** 2)
        da[:, t] = np.concatenate([dct * g * i * (1 - i), dct * cprev * f * (1 - f), dht * tc * o * (1 - o),
                                   dct * i * (1 - g ** 2)], axis=1)
        dcn = dct * f
        dhn = da[:, t] @ Wh.T
    prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dx = da @ Wx.T
    dWx = np.einsum("ntd,ntk->dk", x, da)
    dWh = np.einsum("nth,ntk->hk", prev, da)
    db = da.sum(axis=(0, 1))
    return dx, dhn, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, pc = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, ec = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type is 'rnn':
        h, cc = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, cc = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, vc = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, vc)
    if self.cell_type is 'rnn':
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
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type is 'rnn':
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        word = np.argmax(h @ self.params["W_vocab"] + self.params["b_vocab"], axis=1)
        captions[:, t] = word
    return captions

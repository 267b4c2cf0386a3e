"""Composites loop over the step forward but write the backward through time by hand (da per step, then one product for the weights)."""
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
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    prev = h0
    for t in range(T):
        prev, _ = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        h[:, t] = prev
    return h, (x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    N, T, H = h.shape
    da = np.zeros_like(h)
    dnext = np.zeros_like(h0)
    for t in reversed(range(T)):
        da[:, t] = (dh[:, t] + dnext) * (1 - h[:, t] ** 2)
        dnext = da[:, t] @ Wh.T
    h_before = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dx = da @ Wx.T                                   # matmul broadcasts over (N, T)
    dWx = np.tensordot(x, da, axes=([0, 1], [0, 1]))
    dWh = np.tensordot(h_before, da, axes=([0, 1], [0, 1]))
    db = da.sum(axis=(0, 1))
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
    a = x @ Wx + prev_h @ Wh + b
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
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    steps = []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, step = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        steps.append(step)
    return h, (x, h0, Wx, Wh, h, steps)


def lstm_backward(dh, cache):
    x, h0, Wx, Wh, h, steps = cache
    N, T, H = h.shape
    da = np.zeros((N, T, 4 * H), dtype=h.dtype)
    dnext_h = np.zeros_like(h0)
    dnext_c = np.zeros_like(h0)
    for t in reversed(range(T)):
        _, _, prev_c, _, _, i, f, o, g, c = steps[t]
        tc = np.tanh(c)
        dh_t = dh[:, t] + dnext_h
        dc = dnext_c + dh_t * o * (1 - tc ** 2)
        da[:, t] = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dh_t * tc * o * (1 - o),
                                   dc * i * (1 - g ** 2)], axis=1)
        dnext_c = dc * f
        dnext_h = da[:, t] @ Wh.T
    h_before = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dx = da @ Wx.T
    dWx = np.tensordot(x, da, axes=([0, 1], [0, 1]))
    dWh = np.tensordot(h_before, da, axes=([0, 1], [0, 1]))
    db = da.sum(axis=(0, 1))
    return dx, dnext_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    p = self.params
    h0, proj = affine_forward(features, p["W_proj"], p["b_proj"])
    x, emb = word_embedding_forward(captions_in, p["W_embed"])
    if self.cell_type == "rnn":
        h, cell = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    else:
        h, cell = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    scores, voc = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, voc)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cell)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cell)
    grads["W_embed"] = word_embedding_backward(dx, emb)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, proj)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    p = self.params
    h, _ = affine_forward(features, p["W_proj"], p["b_proj"])
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(p["W_embed"][word], h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(p["W_embed"][word], h, c, p["Wx"], p["Wh"], p["b"])
        word = (h @ p["W_vocab"] + p["b_vocab"]).argmax(axis=1)
        captions[:, t] = word
    return captions

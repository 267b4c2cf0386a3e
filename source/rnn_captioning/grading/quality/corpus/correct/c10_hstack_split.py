"""np.split for the four gates in the forward, np.hstack to put the gate gradients back; caches are tuples."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    z = np.dot(np.hstack((x, prev_h)), np.vstack((Wx, Wh))) + b
    next_h = np.tanh(z)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    D = x.shape[1]
    dz = dnext_h * (1 - next_h ** 2)
    dxh = np.dot(dz, np.vstack((Wx, Wh)).T)
    dx, dprev_h = dxh[:, :D], dxh[:, D:]
    dW = np.dot(np.hstack((x, prev_h)).T, dz)
    dWx, dWh = dW[:D], dW[D:]
    db = dz.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    caches = []
    prev = h0
    for t in range(T):
        prev, cache_t = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h[:, t, :] = prev
        caches.append(cache_t)
    return h, caches


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    dh_prev = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t, :], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dh_prev, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape, dtype=dout.dtype)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    ai, af, ao, ag = np.split(a, 4, axis=1)
    i, f, o, g = sigmoid(ai), sigmoid(af), sigmoid(ao), np.tanh(ag)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, (i, f, o, g), next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, (i, f, o, g), next_c = cache
    tanh_c = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    da = np.hstack((dc * g * i * (1 - i),
                    dc * prev_c * f * (1 - f),
                    dnext_h * tanh_c * o * (1 - o),
                    dc * i * (1 - g ** 2)))
    dx = np.dot(da, Wx.T)
    dprev_h = np.dot(da, Wh.T)
    dprev_c = dc * f
    dWx = np.dot(x.T, da)
    dWh = np.dot(prev_h.T, da)
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    caches = []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, cache_t = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(cache_t)
    return h, caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dh_prev = np.zeros((N, H), dtype=dh.dtype)
    dc_prev = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t, :], dh_prev, dc_prev, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dh_prev, dc_prev,
                                                                               cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
    W_embed = self.params["W_embed"]
    Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
    W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

    h0, c_proj = affine_forward(features, W_proj, b_proj)
    x, c_emb = word_embedding_forward(captions_in, W_embed)
    if self.cell_type == "rnn":
        h, c_cell = rnn_forward(x, h0, Wx, Wh, b)
    else:
        h, c_cell = lstm_forward(x, h0, Wx, Wh, b)
    scores, c_voc = temporal_affine_forward(h, W_vocab, b_vocab)
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

    dh, dW_vocab, db_vocab = temporal_affine_backward(dscores, c_voc)
    if self.cell_type == "rnn":
        dx, dh0, dWx, dWh, db = rnn_backward(dh, c_cell)
    else:
        dx, dh0, dWx, dWh, db = lstm_backward(dh, c_cell)
    dW_embed = word_embedding_backward(dx, c_emb)
    _, dW_proj, db_proj = affine_backward(dh0, c_proj)
    grads.update({"W_proj": dW_proj, "b_proj": db_proj, "W_embed": dW_embed, "Wx": dWx, "Wh": dWh, "b": db,
                  "W_vocab": dW_vocab, "b_vocab": db_vocab})
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    W_embed = self.params["W_embed"]
    Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    cur = np.repeat(self._start, N)
    for t in range(max_length):
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(W_embed[cur], h, Wx, Wh, b)
        else:
            h, c, _ = lstm_step_forward(W_embed[cur], h, c, Wx, Wh, b)
        scores, _ = affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
        cur = scores.argmax(axis=1)
        captions[:, t] = cur
    return captions

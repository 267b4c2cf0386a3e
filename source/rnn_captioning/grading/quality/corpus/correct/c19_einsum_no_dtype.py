"""einsum again, with every buffer from np.zeros without dtype; dWx/dWh/db accumulated per step; sample pads after <END>."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    z = np.einsum("ij,jk->ik", x, Wx) + np.einsum("ij,jk->ik", prev_h, Wh) + b
    next_h = np.tanh(z)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h * (1 - next_h ** 2)
    dx = np.einsum("ik,jk->ij", dz, Wx)
    dprev_h = np.einsum("ik,jk->ij", dz, Wh)
    dWx = np.einsum("ij,ik->jk", x, dz)
    dWh = np.einsum("ij,ik->jk", prev_h, dz)
    db = dz.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = Wh.shape[0]
    h = np.zeros((N, T, H))
    caches = []
    prev_h = h0
    for t in range(T):
        next_h, c = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = next_h
        caches.append(c)
        prev_h = next_h
    return h, caches


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W):
    out = np.einsum("ntv,vd->ntd", np.eye(W.shape[0])[x], W)
    return out, (x, W.shape[0])


def word_embedding_backward(dout, cache):
    x, V = cache
    dW = np.einsum("ntv,ntd->vd", np.eye(V)[x], dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.einsum("ij,jk->ik", x, Wx) + np.einsum("ij,jk->ik", prev_h, Wh) + b
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
    dx = np.einsum("ik,jk->ij", da, Wx)
    dprev_h = np.einsum("ik,jk->ij", da, Wh)
    dWx = np.einsum("ij,ik->jk", x, da)
    dWh = np.einsum("ij,ik->jk", prev_h, da)
    return dx, dprev_h, dc * f, dWx, dWh, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = Wh.shape[0]
    h = np.zeros((N, T, H))
    prev_h, prev_c = h0, np.zeros((N, H))
    caches = []
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(c)
    return h, caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, 4 * H))
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    dprev_h = np.zeros((N, H))
    dprev_c = np.zeros((N, H))
    for t in reversed(range(T)):
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, cache_p = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, cache_w = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, cache_r = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, cache_r = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, cache_s = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cache_s)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache_r)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cache_r)
    grads["W_embed"] = word_embedding_backward(dx, cache_w)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_p)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros(h.shape)
    word = np.full(N, self._start)
    ended = np.zeros(N, dtype=bool)
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        word = np.einsum("nh,hv->nv", h, self.params["W_vocab"]).__add__(self.params["b_vocab"]).argmax(1)
        captions[:, t] = word
        captions[ended, t] = self._null
        ended = ended | (word == self._end)
    return captions

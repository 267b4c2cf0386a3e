"""einsum for every product, tuple caches, sample written as a python loop over the images."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", prev_h, Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h * (1 - next_h ** 2)
    dx = np.einsum("nh,dh->nd", dz, Wx)
    dprev_h = np.einsum("nh,kh->nk", dz, Wh)
    dWx = np.einsum("nd,nh->dh", x, dz)
    dWh = np.einsum("nk,nh->kh", prev_h, dz)
    db = np.einsum("nh->h", dz)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    steps = []
    prev = h0
    for t in range(T):
        prev, c = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h[:, t, :] = prev
        steps.append(c)
    return h, (x.shape, steps)


def rnn_backward(dh, cache):
    (N, T, D), steps = cache
    H = dh.shape[2]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros((H,), dtype=dh.dtype)
    dprev = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T)[::-1]:
        dx[:, t, :], dprev, a, bb, c = rnn_step_backward(dh[:, t, :] + dprev, steps[t])
        dWx += a
        dWh += bb
        db += c
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    V, D = W.shape
    onehot = np.eye(V, dtype=W.dtype)[x]              # (N, T, V)
    out = np.einsum("ntv,vd->ntd", onehot, W)
    return out, (onehot,)


def word_embedding_backward(dout, cache):
    (onehot,) = cache
    dW = np.einsum("ntv,ntd->vd", onehot, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.einsum("nd,dk->nk", x, Wx) + np.einsum("nh,hk->nk", prev_h, Wh) + b
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
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f),
                         dnext_h * tc * o * (1 - o), dc * i * (1 - g ** 2)], axis=1)
    dx = np.einsum("nk,dk->nd", da, Wx)
    dprev_h = np.einsum("nk,hk->nh", da, Wh)
    dWx = np.einsum("nd,nk->dk", x, da)
    dWh = np.einsum("nh,nk->hk", prev_h, da)
    db = np.einsum("nk->k", da)
    return dx, dprev_h, dc * f, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    steps = []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        steps.append(c)
    return h, (x.shape, steps)


def lstm_backward(dh, cache):
    (N, T, D), steps = cache
    H = dh.shape[2]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros((4 * H,), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T)[::-1]:
        dx[:, t, :], dprev_h, dprev_c, a, bb, c = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, steps[t])
        dWx += a
        dWh += bb
        db += c
    return dx, dprev_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    P = self.params
    h0 = np.einsum("nd,dh->nh", features, P["W_proj"]) + P["b_proj"]
    x, emb_cache = word_embedding_forward(captions_in, P["W_embed"])
    if self.cell_type == "rnn":
        h, cell_cache = rnn_forward(x, h0, P["Wx"], P["Wh"], P["b"])
    else:
        h, cell_cache = lstm_forward(x, h0, P["Wx"], P["Wh"], P["b"])
    scores, voc_cache = temporal_affine_forward(h, P["W_vocab"], P["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, voc_cache)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cell_cache)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cell_cache)
    grads["W_embed"] = word_embedding_backward(dx, emb_cache)
    grads["W_proj"] = np.einsum("nd,nh->dh", features, dh0)
    grads["b_proj"] = np.einsum("nh->h", dh0)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    P = self.params
    for n in range(N):
        h = features[n:n + 1] @ P["W_proj"] + P["b_proj"]      # (1, H)
        c = np.zeros_like(h)
        word = self._start
        for t in range(max_length):
            x = P["W_embed"][[word]]                            # (1, W)
            if self.cell_type == "rnn":
                h, _ = rnn_step_forward(x, h, P["Wx"], P["Wh"], P["b"])
            else:
                h, c, _ = lstm_step_forward(x, h, c, P["Wx"], P["Wh"], P["b"])
            scores = h @ P["W_vocab"] + P["b_vocab"]
            word = int(np.argmax(scores[0]))
            captions[n, t] = word
    return captions

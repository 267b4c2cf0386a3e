"""np.zeros without dtype everywhere (float64 inside for float32 inputs), @ operator, sample pads with <NULL> after <END>."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    next_h = np.tanh(a)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h * next_h)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    caches = []
    for t in range(T):
        prev = h0 if t == 0 else h[:, t - 1, :]
        h[:, t, :], c = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        caches.append(c)
    cache = (caches, D)
    return h, cache


def rnn_backward(dh, cache):
    caches, D = cache
    N, T, H = dh.shape
    dx = np.zeros((N, T, D))
    dh0 = np.zeros((N, H))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    for t in range(T - 1, -1, -1):
        dxt, dh0, dWxt, dWht, dbt = rnn_step_backward(dh[:, t, :] + dh0, caches[t])
        dx[:, t, :] = dxt
        dWx = dWx + dWxt
        dWh = dWh + dWht
        db = db + dbt
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x]
    cache = (x, W.shape)
    return out, cache


def word_embedding_backward(dout, cache):
    x, (V, D) = cache
    dW = np.zeros((V, D))
    flat_x = x.reshape(-1)
    flat_d = dout.reshape(-1, D)
    for k in range(flat_x.shape[0]):
        dW[flat_x[k]] += flat_d[k]
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, 0:H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:4 * H])
    next_c = f * prev_c + i * g
    tc = np.tanh(next_c)
    next_h = o * tc
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc = cache
    N, H = dnext_h.shape
    dc = dnext_c + dnext_h * o * (1 - tc * tc)
    da = np.zeros((N, 4 * H))
    da[:, 0:H] = dc * g * i * (1 - i)
    da[:, H:2 * H] = dc * prev_c * f * (1 - f)
    da[:, 2 * H:3 * H] = dnext_h * tc * o * (1 - o)
    da[:, 3 * H:4 * H] = dc * i * (1 - g * g)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dprev_c = dc * f
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c = np.zeros((N, H))
    prev_h = h0
    caches = []
    for t in range(T):
        prev_h, c, step = lstm_step_forward(x[:, t, :], prev_h, c, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(step)
    cache = (caches, D)
    return h, cache


def lstm_backward(dh, cache):
    caches, D = cache
    N, T, H = dh.shape
    dx = np.zeros((N, T, D))
    dprev_h = np.zeros((N, H))
    dprev_c = np.zeros((N, H))
    dWx = np.zeros((D, 4 * H))
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    for t in range(T - 1, -1, -1):
        dxt, dprev_h, dprev_c, dWxt, dWht, dbt = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, caches[t])
        dx[:, t, :] = dxt
        dWx = dWx + dWxt
        dWh = dWh + dWht
        db = db + dbt
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
    W_embed = self.params["W_embed"]
    Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
    W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

    loss, grads = 0.0, {}
    h0 = features @ W_proj + b_proj
    x, embed_cache = word_embedding_forward(captions_in, W_embed)
    if self.cell_type == "rnn":
        h, rnn_cache = rnn_forward(x, h0, Wx, Wh, b)
    elif self.cell_type == "lstm":
        h, rnn_cache = lstm_forward(x, h0, Wx, Wh, b)
    scores, vocab_cache = temporal_affine_forward(h, W_vocab, b_vocab)
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

    dh, dW_vocab, db_vocab = temporal_affine_backward(dscores, vocab_cache)
    if self.cell_type == "rnn":
        dx, dh0, dWx, dWh, db = rnn_backward(dh, rnn_cache)
    elif self.cell_type == "lstm":
        dx, dh0, dWx, dWh, db = lstm_backward(dh, rnn_cache)
    dW_embed = word_embedding_backward(dx, embed_cache)
    dW_proj = features.T @ dh0
    db_proj = dh0.sum(axis=0)

    grads["W_proj"] = dW_proj
    grads["b_proj"] = db_proj
    grads["W_embed"] = dW_embed
    grads["Wx"] = dWx
    grads["Wh"] = dWh
    grads["b"] = db
    grads["W_vocab"] = dW_vocab
    grads["b_vocab"] = db_vocab
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h = features @ self.params["W_proj"] + self.params["b_proj"]
    c = np.zeros(h.shape)
    words = np.full(N, self._start)
    finished = np.zeros(N, dtype=bool)
    for t in range(max_length):
        x = self.params["W_embed"][words]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores = h @ self.params["W_vocab"] + self.params["b_vocab"]
        words = np.argmax(scores, axis=1)
        # after <END> the caption stays <NULL>
        captions[:, t] = np.where(finished, self._null, words)
        finished = finished | (words == self._end)
    return captions

"""The classic way: step functions in a loop over time, list of per-step caches, np.add.at, np.dot."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.dot(x, Wx) + np.dot(prev_h, Wh) + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dtanh = dnext_h * (1 - next_h ** 2)
    dx = np.dot(dtanh, Wx.T)
    dprev_h = np.dot(dtanh, Wh.T)
    dWx = np.dot(x.T, dtanh)
    dWh = np.dot(prev_h.T, dtanh)
    db = np.sum(dtanh, axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x, :]
    cache = (x, W)
    return out, cache


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W, dtype=dout.dtype)
    np.add.at(dW, x, dout)
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
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    do = dnext_h * tanh_c
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    di = dc * g
    df = dc * prev_c
    dg = dc * i
    dprev_c = dc * f
    dai = di * i * (1 - i)
    daf = df * f * (1 - f)
    dao = do * o * (1 - o)
    dag = dg * (1 - g ** 2)
    da = np.concatenate((dai, daf, dao, dag), axis=1)
    dx = np.dot(da, Wx.T)
    dprev_h = np.dot(da, Wh.T)
    dWx = np.dot(x.T, da)
    dWh = np.dot(prev_h.T, da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    prev_h = h0
    prev_c = np.zeros_like(h0)
    cache = []
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
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
    # forward pass
    h0, cache_proj = affine_forward(features, W_proj, b_proj)
    x, cache_embed = word_embedding_forward(captions_in, W_embed)
    if self.cell_type == "rnn":
        h, cache_rnn = rnn_forward(x, h0, Wx, Wh, b)
    else:
        h, cache_rnn = lstm_forward(x, h0, Wx, Wh, b)
    scores, cache_vocab = temporal_affine_forward(h, W_vocab, b_vocab)
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

    # backward pass
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cache_vocab)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache_rnn)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cache_rnn)
    grads["W_embed"] = word_embedding_backward(dx, cache_embed)
    dfeatures, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_proj)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
    W_embed = self.params["W_embed"]
    Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
    W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

    prev_h = np.dot(features, W_proj) + b_proj
    prev_c = np.zeros_like(prev_h)
    word = self._start * np.ones(N, dtype=np.int32)
    for t in range(max_length):
        x = W_embed[word]
        if self.cell_type == "rnn":
            prev_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
        else:
            prev_h, prev_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
        scores = np.dot(prev_h, W_vocab) + b_vocab
        word = np.argmax(scores, axis=1)
        captions[:, t] = word
    return captions

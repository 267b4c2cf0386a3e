"""Python loops over the batch and over the words (embedding, sample), tuple caches, np.zeros_like."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    N = x.shape[0]
    next_h = np.zeros_like(prev_h)
    for n in range(N):
        next_h[n] = np.tanh(x[n] @ Wx + prev_h[n] @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dxs = dnext_h * (1 - next_h ** 2)
    dx = dxs @ Wx.T
    dprev_h = dxs @ Wh.T
    dWx = x.T @ dxs
    dWh = prev_h.T @ dxs
    db = np.sum(dxs, axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=h0.dtype)
    cache = []
    for t in range(T):
        prev = h0 if t == 0 else h[:, t - 1]
        h[:, t], c = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros_like(cache[0][2])
    dWh = np.zeros_like(cache[0][3])
    db = np.zeros(H, dtype=dh.dtype)
    dprev = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev, a, c, d = rnn_step_backward(dh[:, t] + dprev, cache[t])
        dWx += a
        dWh += c
        db += d
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    N, T = x.shape
    out = np.zeros((N, T, W.shape[1]), dtype=W.dtype)
    for n in range(N):
        for t in range(T):
            out[n, t] = W[x[n, t]]
    cache = (x, W)
    return out, cache


def word_embedding_backward(dout, cache):
    x, W = cache
    N, T = x.shape
    dW = np.zeros_like(W)
    for n in range(N):
        for t in range(T):
            dW[x[n, t]] += dout[n, t]
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    N, H = prev_h.shape
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = np.zeros_like(prev_c)
    next_h = np.zeros_like(prev_h)
    for n in range(N):
        next_c[n] = f[n] * prev_c[n] + i[n] * g[n]
        next_h[n] = o[n] * np.tanh(next_c[n])
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    dnext_c_total = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    di = dnext_c_total * g
    df = dnext_c_total * prev_c
    do = dnext_h * tanh_c
    dg = dnext_c_total * i
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)], axis=1)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dprev_c = dnext_c_total * f
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=h0.dtype)
    c = np.zeros((N, H), dtype=h0.dtype)
    cache = []
    for t in range(T):
        prev = h0 if t == 0 else h[:, t - 1]
        h[:, t], c, step_cache = lstm_step_forward(x[:, t], prev, c, Wx, Wh, b)
        cache.append(step_cache)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros_like(cache[0][3])
    dWh = np.zeros_like(cache[0][4])
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, a, c, d = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dWx += a
        dWh += c
        db += d
    return dx, dprev_h, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, cache_a = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, cache_e = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, cache_r = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, cache_r = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    out, cache_t = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dout = temporal_softmax_loss(out, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dout, cache_t)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache_r)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cache_r)
    grads["W_embed"] = word_embedding_backward(dx, cache_e)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_a)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    p = self.params
    h, _ = affine_forward(features, p["W_proj"], p["b_proj"])
    c = np.zeros_like(h)
    prev = [self._start for _ in range(N)]
    for t in range(max_length):
        x = np.zeros((N, p["W_embed"].shape[1]), dtype=p["W_embed"].dtype)
        for n in range(N):
            x[n] = p["W_embed"][prev[n]]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        scores = h @ p["W_vocab"] + p["b_vocab"]
        for n in range(N):
            prev[n] = np.argmax(scores[n])
            captions[n, t] = prev[n]
    return captions

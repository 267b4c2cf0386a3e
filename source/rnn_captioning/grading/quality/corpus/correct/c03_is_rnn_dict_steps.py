"""`if self.cell_type is 'rnn':` in loss and sample; per-step caches are dicts; np.add.at."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(prev_h @ Wh + x @ Wx + b)
    cache = {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "next_h": next_h}
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    dz = (1 - cache["next_h"] ** 2) * dnext_h
    dx = dz @ cache["Wx"].T
    dprev_h = dz @ cache["Wh"].T
    dWx = cache["x"].T @ dz
    dWh = cache["prev_h"].T @ dz
    db = dz.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=h0.dtype)
    cache = []
    h_t = h0
    for t in range(T):
        h_t, step_cache = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
        h[:, t] = h_t
        cache.append(step_cache)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0]["Wx"].shape[0]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dh_next = np.zeros((N, H), dtype=dh.dtype)
    dWx, dWh, db = 0, 0, 0
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    dh0 = dh_next
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x]
    cache = {"x": x, "W": W}
    return out, cache


def word_embedding_backward(dout, cache):
    dW = np.zeros_like(cache["W"])
    np.add.at(dW, cache["x"], dout)
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
    cache = {"x": x, "prev_h": prev_h, "prev_c": prev_c, "Wx": Wx, "Wh": Wh,
             "i": i, "f": f, "o": o, "g": g, "next_c": next_c}
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g = cache["i"], cache["f"], cache["o"], cache["g"]
    tanh_c = np.tanh(cache["next_c"])
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    d_i = dc * g * i * (1 - i)
    d_f = dc * cache["prev_c"] * f * (1 - f)
    d_o = dnext_h * tanh_c * o * (1 - o)
    d_g = dc * i * (1 - g ** 2)
    da = np.concatenate([d_i, d_f, d_o, d_g], axis=1)
    dx = da @ cache["Wx"].T
    dprev_h = da @ cache["Wh"].T
    dprev_c = dc * f
    dWx = cache["x"].T @ da
    dWh = cache["prev_h"].T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=h0.dtype)
    cache = []
    h_t, c_t = h0, np.zeros_like(h0)
    for t in range(T):
        h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        h[:, t] = h_t
        cache.append(step_cache)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0]["Wx"].shape[0]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dh_next = np.zeros((N, H), dtype=dh.dtype)
    dc_next = np.zeros((N, H), dtype=dh.dtype)
    dWx, dWh, db = 0, 0, 0
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dh_next, dc_next, cache[t])
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    return dx, dh_next, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, cache_h0 = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    emb, cache_emb = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type is 'rnn':
        hs, cache_rnn = rnn_forward(emb, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        hs, cache_rnn = lstm_forward(emb, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    out, cache_out = temporal_affine_forward(hs, self.params["W_vocab"], self.params["b_vocab"])
    loss, dout = temporal_softmax_loss(out, captions_out, mask)

    dhs, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dout, cache_out)
    if self.cell_type is 'rnn':
        demb, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dhs, cache_rnn)
    else:
        demb, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dhs, cache_rnn)
    grads["W_embed"] = word_embedding_backward(demb, cache_emb)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_h0)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    prev_word = np.array([self._start] * N)
    for t in range(max_length):
        x = self.params["W_embed"][prev_word]
        if self.cell_type is 'rnn':
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores, _ = affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
        prev_word = np.argmax(scores, axis=1)
        captions[:, t] = prev_word
    return captions

"""Python lists everywhere, np.stack / np.array at the end, sample builds a list of words then np.array(...).T."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, [x, prev_h, Wx, Wh, next_h]


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    d = (1 - next_h ** 2) * dnext_h
    return d.dot(Wx.T), d.dot(Wh.T), x.T.dot(d), prev_h.T.dot(d), d.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    hs = []
    caches = []
    h = h0
    for t in range(x.shape[1]):
        h, c = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        hs.append(h)
        caches.append(c)
    return np.array(hs).transpose(1, 0, 2), caches


def rnn_backward(dh, cache):
    T = dh.shape[1]
    dxs = []
    dWx_list, dWh_list, db_list = [], [], []
    dnext = np.zeros_like(dh[:, 0])
    for t in reversed(range(T)):
        dx_t, dnext, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dnext, cache[t])
        dxs.insert(0, dx_t)
        dWx_list.append(dWx_t)
        dWh_list.append(dWh_t)
        db_list.append(db_t)
    dx = np.stack(dxs, axis=1)
    dWx = np.sum(np.array(dWx_list), axis=0)
    dWh = np.sum(np.array(dWh_list), axis=0)
    db = np.sum(np.array(db_list), axis=0)
    return dx, dnext, dWx, dWh, db


def word_embedding_forward(x, W):
    N, T = x.shape
    rows = [[W[x[n, t]] for t in range(T)] for n in range(N)]
    out = np.array(rows, dtype=W.dtype).reshape(N, T, W.shape[1])
    return out, [x, W.shape]


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape, dtype=dout.dtype)
    np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, [x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c]


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    t = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - t ** 2)
    parts = [dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * t * o * (1 - o), dc * i * (1 - g ** 2)]
    da = np.concatenate(parts, axis=1)
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    hs, caches = [], []
    h, c = h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        h, c, cache_t = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cache_t)
    return np.array(hs).transpose(1, 0, 2), caches


def lstm_backward(dh, cache):
    T = dh.shape[1]
    dxs = []
    sums = None
    dnext_h = np.zeros_like(dh[:, 0])
    dnext_c = np.zeros_like(dh[:, 0])
    for t in reversed(range(T)):
        dx_t, dnext_h, dnext_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dnext_h, dnext_c, cache[t])
        dxs.insert(0, dx_t)
        if sums is None:
            sums = [dWx_t, dWh_t, db_t]
        else:
            sums = [sums[0] + dWx_t, sums[1] + dWh_t, sums[2] + db_t]
    dx = np.stack(dxs, axis=1)
    return dx, dnext_h, sums[0], sums[1], sums[2]


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, cache0 = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, cache1 = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, cache2 = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, cache2 = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    s, cache3 = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, ds = temporal_softmax_loss(s, captions_out, mask)
    dh, dWv, dbv = temporal_affine_backward(ds, cache3)
    if self.cell_type == "rnn":
        dx, dh0, dWx, dWh, db = rnn_backward(dh, cache2)
    else:
        dx, dh0, dWx, dWh, db = lstm_backward(dh, cache2)
    dWe = word_embedding_backward(dx, cache1)
    _, dWp, dbp = affine_backward(dh0, cache0)
    grads = dict(W_proj=dWp, b_proj=dbp, W_embed=dWe, Wx=dWx, Wh=dWh, b=db, W_vocab=dWv, b_vocab=dbv)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h = features.dot(self.params["W_proj"]) + self.params["b_proj"]
    c = np.zeros(h.shape, dtype=h.dtype)
    word = [self._start] * N
    generated = []
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores = h.dot(self.params["W_vocab"]) + self.params["b_vocab"]
        word = list(np.argmax(scores, axis=1))
        generated.append(word)
    if max_length > 0:
        captions = np.array(generated).T        # (N, max_length), int64
    return captions

"""My own sigmoid written as 0.5 * (1 + tanh(z / 2)) (stable), per-step caches as lists of dicts, dprev_h initialised as the scalar 0."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def my_sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "next_h": next_h}


def rnn_step_backward(dnext_h, cache):
    da = dnext_h * (1 - cache["next_h"] ** 2)
    return (da @ cache["Wx"].T, da @ cache["Wh"].T, cache["x"].T @ da, cache["prev_h"].T @ da,
            da.sum(axis=0))


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    steps = []
    prev = h0
    for t in range(T):
        prev, step = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h[:, t, :] = prev
        steps.append(step)
    return h, steps


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0]["x"].shape[1]), dtype=dh.dtype)
    dWx = np.zeros_like(cache[0]["Wx"])
    dWh = np.zeros_like(cache[0]["Wh"])
    db = np.zeros(H, dtype=dh.dtype)
    dprev_h = 0
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], {"x": x, "W": W}


def word_embedding_backward(dout, cache):
    dW = np.zeros_like(cache["W"])
    np.add.at(dW, cache["x"], dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = my_sigmoid(a[:, :H])
    f = my_sigmoid(a[:, H:2 * H])
    o = my_sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = {"x": x, "prev_h": prev_h, "prev_c": prev_c, "Wx": Wx, "Wh": Wh, "i": i, "f": f, "o": o, "g": g,
             "next_c": next_c}
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g = cache["i"], cache["f"], cache["o"], cache["g"]
    tc = np.tanh(cache["next_c"])
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * cache["prev_c"] * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return (da @ cache["Wx"].T, da @ cache["Wh"].T, dc * f, cache["x"].T @ da, cache["prev_h"].T @ da,
            da.sum(axis=0))


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    steps = []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, step = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        steps.append(step)
    return h, steps


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0]["x"].shape[1]), dtype=dh.dtype)
    dWx = np.zeros_like(cache[0]["Wx"])
    dWh = np.zeros_like(cache[0]["Wh"])
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h, dprev_c = 0, 0
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c,
                                                                               cache[t])
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
    h0, pc = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, ec = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, rc = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, rc = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    s, sc = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, ds = temporal_softmax_loss(s, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(ds, sc)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, rc)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, rc)
    grads["W_embed"] = word_embedding_backward(dx, ec)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, pc)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    captions_t = np.full(N, self._start)
    t = 0
    while t < max_length:
        x = self.params["W_embed"][captions_t]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        captions_t = np.argmax(h @ self.params["W_vocab"] + self.params["b_vocab"], axis=1)
        captions[:, t] = captions_t
        t += 1
    return captions

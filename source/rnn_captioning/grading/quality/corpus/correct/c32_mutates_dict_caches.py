"""Dict caches, and in-place updates on the caller's arrays (h0 += 0 in the forward, dh[:, t-1] += ... in the backward)."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "next_h": next_h}


def rnn_step_backward(dnext_h, cache):
    dz = dnext_h * (1 - cache["next_h"] ** 2)
    return dz @ cache["Wx"].T, dz @ cache["Wh"].T, cache["x"].T @ dz, cache["prev_h"].T @ dz, dz.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    h0 += 0
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cache = {"steps": [], "D": D}
    prev = h0
    for t in range(T):
        prev, step = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        h[:, t] = prev
        cache["steps"].append(step)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache["D"]), dtype=dh.dtype)
    dWx = np.zeros((cache["D"], H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dx[:, t], dprev, a, c, e = rnn_step_backward(dh[:, t], cache["steps"][t])
        if t:
            dh[:, t - 1] += dprev            # push the gradient into the previous step's slot
        dWx += a
        dWh += c
        db += e
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], {"x": x, "V": W.shape[0]}


def word_embedding_backward(dout, cache):
    dW = np.zeros((cache["V"], dout.shape[-1]), dtype=dout.dtype)
    np.add.at(dW, cache["x"], dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, {"x": x, "h": prev_h, "c": prev_c, "Wx": Wx, "Wh": Wh, "gates": (i, f, o, g),
                            "next_c": next_c}


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g = cache["gates"]
    tc = np.tanh(cache["next_c"])
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * cache["c"] * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return (da @ cache["Wx"].T, da @ cache["Wh"].T, dc * f, cache["x"].T @ da, cache["h"].T @ da,
            da.sum(axis=0))


def lstm_forward(x, h0, Wx, Wh, b):
    h0 += 0
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cache = {"steps": [], "D": D}
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, step = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        cache["steps"].append(step)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache["D"]), dtype=dh.dtype)
    dWx = np.zeros((cache["D"], 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dc = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dx[:, t], dprev, dc, a, c, e = lstm_step_backward(dh[:, t], dc, cache["steps"][t])
        if t:
            dh[:, t - 1] += dprev
        dWx += a
        dWh += c
        db += e
    return dx, dprev, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, pc = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, ec = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, cc = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, cc = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, vc = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, vc)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cc)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cc)
    grads["W_embed"] = word_embedding_backward(dx, ec)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, pc)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        word = np.argmax(h @ self.params["W_vocab"] + self.params["b_vocab"], axis=1)
        captions[:, t] = word
    return captions

"""Every cache is a dict (also the composites'), `.get` style bookkeeping, `is 'rnn'` only in sample."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    cache = {}
    cache["x"] = x
    cache["prev_h"] = prev_h
    cache["Wx"] = Wx
    cache["Wh"] = Wh
    next_h = np.tanh(np.matmul(x, Wx) + np.matmul(prev_h, Wh) + b)
    cache["next_h"] = next_h
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    dtanh = dnext_h * (1.0 - np.square(cache["next_h"]))
    dx = np.matmul(dtanh, cache["Wx"].T)
    dprev_h = np.matmul(dtanh, cache["Wh"].T)
    dWx = np.matmul(cache["x"].T, dtanh)
    dWh = np.matmul(cache["prev_h"].T, dtanh)
    db = np.sum(dtanh, axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    cache = {"steps": [], "D": D, "H": H}
    h = np.zeros((N, T, H), dtype=x.dtype)
    state = h0
    for t in range(T):
        state, step = rnn_step_forward(x[:, t, :], state, Wx, Wh, b)
        h[:, t, :] = state
        cache["steps"].append(step)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache["D"]
    grads = {"dWx": np.zeros((D, H), dh.dtype), "dWh": np.zeros((H, H), dh.dtype), "db": np.zeros(H, dh.dtype)}
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dstate = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx_t, dstate, dWx, dWh, db = rnn_step_backward(dh[:, t, :] + dstate, cache["steps"][t])
        dx[:, t, :] = dx_t
        grads["dWx"] += dWx
        grads["dWh"] += dWh
        grads["db"] += db
    return dx, dstate, grads["dWx"], grads["dWh"], grads["db"]


def word_embedding_forward(x, W):
    out = np.take(W, x, axis=0)
    cache = {"x": x, "V": W.shape[0], "dtype": W.dtype}
    return out, cache


def word_embedding_backward(dout, cache):
    D = dout.shape[2]
    dW = np.zeros((cache["V"], D), dtype=cache["dtype"])
    np.add.at(dW, cache["x"], dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.matmul(x, Wx) + np.matmul(prev_h, Wh) + b
    cache = {"x": x, "prev_h": prev_h, "prev_c": prev_c, "Wx": Wx, "Wh": Wh}
    cache["i"] = sigmoid(a[:, :H])
    cache["f"] = sigmoid(a[:, H:2 * H])
    cache["o"] = sigmoid(a[:, 2 * H:3 * H])
    cache["g"] = np.tanh(a[:, 3 * H:])
    next_c = cache["f"] * prev_c + cache["i"] * cache["g"]
    cache["tanh_c"] = np.tanh(next_c)
    next_h = cache["o"] * cache["tanh_c"]
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g, tc = cache["i"], cache["f"], cache["o"], cache["g"], cache["tanh_c"]
    dc = dnext_c + dnext_h * o * (1.0 - np.square(tc))
    grad_i = dc * g * i * (1.0 - i)
    grad_f = dc * cache["prev_c"] * f * (1.0 - f)
    grad_o = dnext_h * tc * o * (1.0 - o)
    grad_g = dc * i * (1.0 - np.square(g))
    da = np.concatenate((grad_i, grad_f, grad_o, grad_g), axis=1)
    dx = np.matmul(da, cache["Wx"].T)
    dprev_h = np.matmul(da, cache["Wh"].T)
    dprev_c = dc * f
    dWx = np.matmul(cache["x"].T, da)
    dWh = np.matmul(cache["prev_h"].T, da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    cache = {"steps": [], "D": D, "H": H}
    h = np.zeros((N, T, H), dtype=x.dtype)
    state_h, state_c = h0, np.zeros((N, H), dtype=x.dtype)
    for t in range(T):
        state_h, state_c, step = lstm_step_forward(x[:, t, :], state_h, state_c, Wx, Wh, b)
        h[:, t, :] = state_h
        cache["steps"].append(step)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache["D"]
    grads = {"dWx": np.zeros((D, 4 * H), dh.dtype), "dWh": np.zeros((H, 4 * H), dh.dtype),
             "db": np.zeros(4 * H, dh.dtype)}
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dstate_h = np.zeros((N, H), dtype=dh.dtype)
    dstate_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx_t, dstate_h, dstate_c, dWx, dWh, db = lstm_step_backward(dh[:, t, :] + dstate_h, dstate_c,
                                                                    cache["steps"][t])
        dx[:, t, :] = dx_t
        grads["dWx"] += dWx
        grads["dWh"] += dWh
        grads["db"] += db
    return dx, dstate_h, grads["dWx"], grads["dWh"], grads["db"]


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    caches = {}
    h0, caches["proj"] = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, caches["embed"] = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "lstm":
        h, caches["cell"] = lstm_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, caches["cell"] = rnn_forward(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, caches["vocab"] = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, caches["vocab"])
    if self.cell_type == "lstm":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, caches["cell"])
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, caches["cell"])
    grads["W_embed"] = word_embedding_backward(dx, caches["embed"])
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, caches["proj"])
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h = np.matmul(features, self.params["W_proj"]) + self.params["b_proj"]
    c = np.zeros_like(h)
    word = np.full(N, self._start, dtype=np.int32)
    for t in range(max_length):
        x = np.take(self.params["W_embed"], word, axis=0)
        if self.cell_type is 'rnn':
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        elif self.cell_type is 'lstm':
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores = np.matmul(h, self.params["W_vocab"]) + self.params["b_vocab"]
        word = np.argmax(scores, axis=1).astype(np.int32)
        captions[:, t] = word
    return captions

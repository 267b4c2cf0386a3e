"""The loss runs its own loop over time with the step functions (forward and backward) instead of rnn_forward / lstm_forward."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    g = dnext_h * (1 - next_h * next_h)
    return g @ Wx.T, g @ Wh.T, x.T @ g, prev_h.T @ g, g.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0))
    caches = []
    for t in range(T):
        h0, c = rnn_step_forward(x[:, t], h0, Wx, Wh, b)   # h0 is just the running state here
        h[:, t] = h0
        caches.append(c)
    return h, caches


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = [None] * T
    dWx = dWh = db = 0
    dcarry = 0
    for t in range(T - 1, -1, -1):
        dx[t], dcarry, a, b_, c = rnn_step_backward(dh[:, t] + dcarry, cache[t])
        dWx = dWx + a
        dWh = dWh + b_
        db = db + c
    return np.stack(dx, axis=1), dcarry, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
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
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc * tc)
    da = np.concatenate((dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g * g)), axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0))
    c = np.zeros_like(h0)
    caches = []
    for t in range(T):
        h0, c, cc = lstm_step_forward(x[:, t], h0, c, Wx, Wh, b)
        h[:, t] = h0
        caches.append(cc)
    return h, caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = [None] * T
    dWx = dWh = db = 0
    dh_carry, dc_carry = 0, 0
    for t in range(T - 1, -1, -1):
        dx[t], dh_carry, dc_carry, a, b_, c = lstm_step_backward(dh[:, t] + dh_carry, dc_carry, cache[t])
        dWx = dWx + a
        dWh = dWh + b_
        db = db + c
    return np.stack(dx, axis=1), dh_carry, dWx, dWh, db


# ==== classifiers/rnn.py ====
from ..rnn_layers import rnn_step_backward, lstm_step_backward


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    p = self.params
    N, T = captions_in.shape
    H = p["Wh"].shape[0]
    h0, proj_cache = affine_forward(features, p["W_proj"], p["b_proj"])
    x, emb_cache = word_embedding_forward(captions_in, p["W_embed"])

    # run the cell myself, one step at a time
    hs = np.zeros((N, T, H), dtype=h0.dtype)
    steps = []
    h, c = h0, np.zeros_like(h0)
    for t in range(T):
        if self.cell_type == "rnn":
            h, step = rnn_step_forward(x[:, t], h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, step = lstm_step_forward(x[:, t], h, c, p["Wx"], p["Wh"], p["b"])
        hs[:, t] = h
        steps.append(step)

    scores, voc_cache = temporal_affine_forward(hs, p["W_vocab"], p["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dhs, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, voc_cache)

    dx = np.zeros_like(x)
    grads["Wx"] = np.zeros_like(p["Wx"])
    grads["Wh"] = np.zeros_like(p["Wh"])
    grads["b"] = np.zeros_like(p["b"])
    dh_next = np.zeros_like(h0)
    dc_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        if self.cell_type == "rnn":
            dx[:, t], dh_next, dWx, dWh, db = rnn_step_backward(dhs[:, t] + dh_next, steps[t])
        else:
            dx[:, t], dh_next, dc_next, dWx, dWh, db = lstm_step_backward(dhs[:, t] + dh_next, dc_next, steps[t])
        grads["Wx"] += dWx
        grads["Wh"] += dWh
        grads["b"] += db
    grads["W_embed"] = word_embedding_backward(dx, emb_cache)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh_next, proj_cache)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    p = self.params
    h = features @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    w = np.full(N, self._start)
    for t in range(max_length):
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(p["W_embed"][w], h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(p["W_embed"][w], h, c, p["Wx"], p["Wh"], p["b"])
        w = np.argmax(h @ p["W_vocab"] + p["b_vocab"], axis=1)
        captions[:, t] = w
    return captions

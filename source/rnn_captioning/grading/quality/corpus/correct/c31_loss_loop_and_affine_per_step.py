"""Loss does everything per time step: its own cell loop with the step functions and temporal_affine on (N, 1, H) slices; `is 'rnn'` there."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return h, (x, prev_h, Wx, Wh, h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, h = cache
    d = dnext_h * (1 - h * h)
    return d @ Wx.T, d @ Wh.T, x.T @ d, prev_h.T @ d, d.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    out, caches, h = [], [], h0
    for t in range(x.shape[1]):
        h, c = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        out.append(h)
        caches.append(c)
    return np.stack(out, axis=1), caches


def rnn_backward(dh, cache):
    T = dh.shape[1]
    dx = [None] * T
    dWx = dWh = db = 0.0
    dn = np.zeros_like(dh[:, 0])
    for t in range(T - 1, -1, -1):
        dx[t], dn, a, c, e = rnn_step_backward(dh[:, t] + dn, cache[t])
        dWx, dWh, db = dWx + a, dWh + c, db + e
    return np.stack(dx, axis=1), dn, dWx, dWh, db


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
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    c = f * prev_c + i * g
    h = o * np.tanh(c)
    return h, c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, c = cache
    tc = np.tanh(c)
    dc = dnext_c + dnext_h * o * (1 - tc * tc)
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g * g)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    out, caches, h, c = [], [], h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        h, c, cc = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        out.append(h)
        caches.append(cc)
    return np.stack(out, axis=1), caches


def lstm_backward(dh, cache):
    T = dh.shape[1]
    dx = [None] * T
    dWx = dWh = db = 0.0
    dn = np.zeros_like(dh[:, 0])
    dcn = np.zeros_like(dh[:, 0])
    for t in range(T - 1, -1, -1):
        dx[t], dn, dcn, a, c, e = lstm_step_backward(dh[:, t] + dn, dcn, cache[t])
        dWx, dWh, db = dWx + a, dWh + c, db + e
    return np.stack(dx, axis=1), dn, dWx, dWh, db


# ==== classifiers/rnn.py ====
from ..rnn_layers import rnn_step_backward, lstm_step_backward


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    P = self.params
    for name in P:
        grads[name] = np.zeros_like(P[name])
    h, proj_cache = affine_forward(features, P["W_proj"], P["b_proj"])
    x, emb_cache = word_embedding_forward(captions_in, P["W_embed"])
    c = np.zeros_like(h)
    T = captions_in.shape[1]
    steps, vocab_caches, dscores = [], [], []
    for t in range(T):
        if self.cell_type is 'rnn':
            h, step = rnn_step_forward(x[:, t], h, P["Wx"], P["Wh"], P["b"])
        else:
            h, c, step = lstm_step_forward(x[:, t], h, c, P["Wx"], P["Wh"], P["b"])
        steps.append(step)
        s, vc = temporal_affine_forward(h[:, None, :], P["W_vocab"], P["b_vocab"])
        l, ds = temporal_softmax_loss(s, captions_out[:, t:t + 1], mask[:, t:t + 1])
        loss += l
        vocab_caches.append(vc)
        dscores.append(ds)

    dx = np.zeros_like(x)
    dh_next, dc_next = 0, 0
    for t in reversed(range(T)):
        dh_t, dWv, dbv = temporal_affine_backward(dscores[t], vocab_caches[t])
        grads["W_vocab"] += dWv
        grads["b_vocab"] += dbv
        if self.cell_type is 'rnn':
            dx[:, t], dh_next, dWx, dWh, db = rnn_step_backward(dh_t[:, 0] + dh_next, steps[t])
        else:
            dx[:, t], dh_next, dc_next, dWx, dWh, db = lstm_step_backward(dh_t[:, 0] + dh_next, dc_next, steps[t])
        grads["Wx"] += dWx
        grads["Wh"] += dWh
        grads["b"] += db
    grads["W_embed"] = word_embedding_backward(dx, emb_cache)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh_next, proj_cache)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    P = self.params
    h, _ = affine_forward(features, P["W_proj"], P["b_proj"])
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        if self.cell_type is 'rnn':
            h, _ = rnn_step_forward(P["W_embed"][word], h, P["Wx"], P["Wh"], P["b"])
        else:
            h, c, _ = lstm_step_forward(P["W_embed"][word], h, c, P["Wx"], P["Wh"], P["b"])
        word = np.argmax(h @ P["W_vocab"] + P["b_vocab"], axis=1)
        captions[:, t] = word
    return captions

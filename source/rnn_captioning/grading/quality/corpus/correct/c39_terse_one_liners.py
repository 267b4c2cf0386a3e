"""Terse: one-line returns, tuple unpacking, list comprehensions, functools.reduce for the sums over time."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====
from functools import reduce


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return h, (x, prev_h, Wx, Wh, h)


def rnn_step_backward(dnext_h, cache):
    x, ph, Wx, Wh, h = cache
    d = dnext_h * (1 - h ** 2)
    return d @ Wx.T, d @ Wh.T, x.T @ d, ph.T @ d, d.sum(0)


def rnn_forward(x, h0, Wx, Wh, b):
    hs, cs = [h0], []
    for t in range(x.shape[1]):
        h, c = rnn_step_forward(x[:, t], hs[-1], Wx, Wh, b)
        hs.append(h)
        cs.append(c)
    return np.stack(hs[1:], 1), cs


def rnn_backward(dh, cache):
    T = dh.shape[1]
    dprev, outs = 0, [None] * T
    for t in reversed(range(T)):
        outs[t] = rnn_step_backward(dh[:, t] + dprev, cache[t])
        dprev = outs[t][1]
    add = lambda k: reduce(lambda a, b: a + b, [o[k] for o in outs])  # noqa: E731
    return np.stack([o[0] for o in outs], 1), dprev, add(2), add(3), add(4)


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
    i, f, o, g = [sigmoid(a[:, k * H:(k + 1) * H]) for k in range(3)] + [np.tanh(a[:, 3 * H:])]
    c = f * prev_c + i * g
    return o * np.tanh(c), c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, ph, pc, Wx, Wh, i, f, o, g, c = cache
    tc = np.tanh(c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.hstack([dc * g * i * (1 - i), dc * pc * f * (1 - f), dnext_h * tc * o * (1 - o), dc * i * (1 - g ** 2)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, ph.T @ da, da.sum(0)


def lstm_forward(x, h0, Wx, Wh, b):
    hs, cs, c = [h0], [], np.zeros_like(h0)
    for t in range(x.shape[1]):
        h, c, cc = lstm_step_forward(x[:, t], hs[-1], c, Wx, Wh, b)
        hs.append(h)
        cs.append(cc)
    return np.stack(hs[1:], 1), cs


def lstm_backward(dh, cache):
    T = dh.shape[1]
    dph, dpc, outs = 0, 0, [None] * T
    for t in reversed(range(T)):
        outs[t] = lstm_step_backward(dh[:, t] + dph, dpc, cache[t])
        dph, dpc = outs[t][1], outs[t][2]
    add = lambda k: reduce(lambda a, b: a + b, [o[k] for o in outs])  # noqa: E731
    return np.stack([o[0] for o in outs], 1), dph, add(3), add(4), add(5)


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    p = self.params
    fwd, bwd = (rnn_forward, rnn_backward) if self.cell_type == "rnn" else (lstm_forward, lstm_backward)
    h0, c0 = affine_forward(features, p["W_proj"], p["b_proj"])
    x, c1 = word_embedding_forward(captions_in, p["W_embed"])
    h, c2 = fwd(x, h0, p["Wx"], p["Wh"], p["b"])
    s, c3 = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
    loss, ds = temporal_softmax_loss(s, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(ds, c3)
    dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = bwd(dh, c2)
    grads["W_embed"] = word_embedding_backward(dx, c1)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, c0)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    p = self.params
    h, c, w = features @ p["W_proj"] + p["b_proj"], None, np.full(N, self._start)
    c = np.zeros_like(h)
    for t in range(max_length):
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(p["W_embed"][w], h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(p["W_embed"][w], h, c, p["Wx"], p["Wh"], p["b"])
        captions[:, t] = w = (h @ p["W_vocab"] + p["b_vocab"]).argmax(1)
    return captions

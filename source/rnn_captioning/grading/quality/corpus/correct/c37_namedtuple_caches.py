"""Caches as namedtuples built inside the functions, np.hstack for gate gradients, sample pads rows with <NULL> after <END>."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====
from collections import namedtuple


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    Step = namedtuple("Step", "x prev_h Wx Wh next_h")
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, Step(x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    da = dnext_h * (1 - cache.next_h ** 2)
    return (da @ cache.Wx.T, da @ cache.Wh.T, cache.x.T @ da, cache.prev_h.T @ da, da.sum(axis=0))


def rnn_forward(x, h0, Wx, Wh, b):
    Seq = namedtuple("Seq", "steps D")
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    steps = []
    cur = h0
    for t in range(T):
        cur, s = rnn_step_forward(x[:, t], cur, Wx, Wh, b)
        h[:, t] = cur
        steps.append(s)
    return h, Seq(steps, D)


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache.D), dtype=dh.dtype)
    dWx = np.zeros((cache.D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    carry = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], carry, a, c, e = rnn_step_backward(dh[:, t] + carry, cache.steps[t])
        dWx += a
        dWh += c
        db += e
    return dx, carry, dWx, dWh, db


def word_embedding_forward(x, W):
    Emb = namedtuple("Emb", "x W")
    return W[x], Emb(x, W)


def word_embedding_backward(dout, cache):
    dW = np.zeros_like(cache.W)
    np.add.at(dW, cache.x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    Step = namedtuple("Step", "x prev_h prev_c Wx Wh i f o g tanh_c")
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    return o * tanh_c, next_c, Step(x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    s = cache
    dc = dnext_c + dnext_h * s.o * (1 - s.tanh_c ** 2)
    da = np.hstack([dc * s.g * s.i * (1 - s.i), dc * s.prev_c * s.f * (1 - s.f),
                    dnext_h * s.tanh_c * s.o * (1 - s.o), dc * s.i * (1 - s.g ** 2)])
    return da @ s.Wx.T, da @ s.Wh.T, dc * s.f, s.x.T @ da, s.prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    Seq = namedtuple("Seq", "steps D")
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    steps = []
    ch, cc = h0, np.zeros_like(h0)
    for t in range(T):
        ch, cc, s = lstm_step_forward(x[:, t], ch, cc, Wx, Wh, b)
        h[:, t] = ch
        steps.append(s)
    return h, Seq(steps, D)


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache.D), dtype=dh.dtype)
    dWx = np.zeros((cache.D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dhc = np.zeros((N, H), dtype=dh.dtype)
    dcc = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dhc, dcc, a, c, e = lstm_step_backward(dh[:, t] + dhc, dcc, cache.steps[t])
        dWx += a
        dWh += c
        db += e
    return dx, dhc, dWx, dWh, db


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
    # clean up: everything after the first <END> becomes <NULL>
    for n in range(N):
        ends = np.where(captions[n] == self._end)[0]
        if len(ends) > 0:
            captions[n, ends[0] + 1:] = self._null
    return captions

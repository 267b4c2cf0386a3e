"""In-place `+=` / `*=` but always on fresh arrays or explicit copies (dh.copy()), gates as four separate matrix slices."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x @ Wx                 # a new array, so += is safe
    a += prev_h @ Wh
    a += b
    next_h = np.tanh(a)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h.copy()
    da *= 1 - next_h ** 2
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cache = []
    cur = h0.copy()
    for t in range(T):
        cur, step = rnn_step_forward(x[:, t, :], cur, Wx, Wh, b)
        h[:, t, :] = cur
        cache.append(step)
    return h, cache


def rnn_backward(dh, cache):
    dh = dh.copy()               # I add into it below
    N, T, H = dh.shape
    D = cache[0][2].shape[0]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    dh0 = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev, g1, g2, g3 = rnn_step_backward(dh[:, t], cache[t])
        if t > 0:
            dh[:, t - 1] += dprev
        else:
            dh0 += dprev
        dWx += g1
        dWh += g2
        db += g3
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x].copy()
    return out, (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x.ravel(), dout.reshape(-1, dout.shape[-1]))
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    i = sigmoid(x @ Wx[:, :H] + prev_h @ Wh[:, :H] + b[:H])
    f = sigmoid(x @ Wx[:, H:2 * H] + prev_h @ Wh[:, H:2 * H] + b[H:2 * H])
    o = sigmoid(x @ Wx[:, 2 * H:3 * H] + prev_h @ Wh[:, 2 * H:3 * H] + b[2 * H:3 * H])
    g = np.tanh(x @ Wx[:, 3 * H:] + prev_h @ Wh[:, 3 * H:] + b[3 * H:])
    next_c = f * prev_c
    next_c += i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c.copy()
    dc += dnext_h * o * (1 - tc ** 2)
    dai = dc * g * i * (1 - i)
    daf = dc * prev_c * f * (1 - f)
    dao = dnext_h * tc * o * (1 - o)
    dag = dc * i * (1 - g ** 2)
    H = i.shape[1]
    dx = dai @ Wx[:, :H].T + daf @ Wx[:, H:2 * H].T + dao @ Wx[:, 2 * H:3 * H].T + dag @ Wx[:, 3 * H:].T
    dprev_h = dai @ Wh[:, :H].T + daf @ Wh[:, H:2 * H].T + dao @ Wh[:, 2 * H:3 * H].T + dag @ Wh[:, 3 * H:].T
    dWx = np.hstack([x.T @ dai, x.T @ daf, x.T @ dao, x.T @ dag])
    dWh = np.hstack([prev_h.T @ dai, prev_h.T @ daf, prev_h.T @ dao, prev_h.T @ dag])
    db = np.hstack([dai.sum(0), daf.sum(0), dao.sum(0), dag.sum(0)])
    return dx, dprev_h, dc * f, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cache = []
    cur_h, cur_c = h0.copy(), np.zeros_like(h0)
    for t in range(T):
        cur_h, cur_c, step = lstm_step_forward(x[:, t, :], cur_h, cur_c, Wx, Wh, b)
        h[:, t, :] = cur_h
        cache.append(step)
    return h, cache


def lstm_backward(dh, cache):
    dh = dh.copy()
    N, T, H = dh.shape
    D = cache[0][3].shape[0]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dc = np.zeros((N, H), dtype=dh.dtype)
    dh0 = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev, dc, g1, g2, g3 = lstm_step_backward(dh[:, t], dc, cache[t])
        if t > 0:
            dh[:, t - 1] += dprev
        else:
            dh0 += dprev
        dWx += g1
        dWh += g2
        db += g3
    return dx, dh0, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    params = self.params
    h0, c0 = affine_forward(features, params["W_proj"], params["b_proj"])
    emb, c1 = word_embedding_forward(captions_in, params["W_embed"])
    if self.cell_type == "rnn":
        states, c2 = rnn_forward(emb, h0, params["Wx"], params["Wh"], params["b"])
    else:
        states, c2 = lstm_forward(emb, h0, params["Wx"], params["Wh"], params["b"])
    scores, c3 = temporal_affine_forward(states, params["W_vocab"], params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dstates, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, c3)
    if self.cell_type == "rnn":
        demb, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dstates, c2)
    else:
        demb, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dstates, c2)
    grads["W_embed"] = word_embedding_backward(demb, c1)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, c0)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    params = self.params
    h, _ = affine_forward(features, params["W_proj"], params["b_proj"])
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = params["W_embed"][word]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, params["Wx"], params["Wh"], params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, params["Wx"], params["Wh"], params["b"])
        scores = h @ params["W_vocab"]
        scores += params["b_vocab"]
        word = scores.argmax(axis=1)
        captions[:, t] = word
    return captions

"""Sample loops over the images one at a time and uses `is 'rnn'`; dict caches in the step functions."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    raw = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    next_h = np.tanh(raw)
    return next_h, dict(x=x, h=prev_h, Wx=Wx, Wh=Wh, out=next_h)


def rnn_step_backward(dnext_h, cache):
    draw = dnext_h * (1 - cache["out"] ** 2)
    dx = np.dot(draw, cache["Wx"].T)
    dprev_h = np.dot(draw, cache["Wh"].T)
    dWx = np.dot(cache["x"].T, draw)
    dWh = np.dot(cache["h"].T, draw)
    db = draw.sum(0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cache = []
    cur = h0
    for t in range(T):
        cur, c = rnn_step_forward(x[:, t, :], cur, Wx, Wh, b)
        h[:, t, :] = cur
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0]["x"].shape[1]), dtype=dh.dtype)
    dWx = np.zeros_like(cache[0]["Wx"])
    dWh = np.zeros_like(cache[0]["Wh"])
    db = np.zeros((H,), dtype=dh.dtype)
    dcarry = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx_t, dcarry, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dcarry, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dcarry, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x, :]
    return out, dict(x=x, W=W)


def word_embedding_backward(dout, cache):
    x, W = cache["x"], cache["W"]
    dW = np.zeros_like(W)
    np.add.at(dW, x.flatten(), dout.reshape(-1, W.shape[1]))
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    A = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    gi = sigmoid(A[:, 0 * H:1 * H])
    gf = sigmoid(A[:, 1 * H:2 * H])
    go = sigmoid(A[:, 2 * H:3 * H])
    gg = np.tanh(A[:, 3 * H:4 * H])
    next_c = gf * prev_c + gi * gg
    next_h = go * np.tanh(next_c)
    cache = dict(x=x, h=prev_h, c=prev_c, Wx=Wx, Wh=Wh, i=gi, f=gf, o=go, g=gg, next_c=next_c)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    gi, gf, go, gg = cache["i"], cache["f"], cache["o"], cache["g"]
    tc = np.tanh(cache["next_c"])
    dc = dnext_c + dnext_h * go * (1 - tc ** 2)
    dA = np.concatenate([dc * gg * gi * (1 - gi),
                         dc * cache["c"] * gf * (1 - gf),
                         dnext_h * tc * go * (1 - go),
                         dc * gi * (1 - gg ** 2)], axis=1)
    dx = np.dot(dA, cache["Wx"].T)
    dprev_h = np.dot(dA, cache["Wh"].T)
    dprev_c = dc * gf
    dWx = np.dot(cache["x"].T, dA)
    dWh = np.dot(cache["h"].T, dA)
    db = dA.sum(0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cache = []
    cur_h, cur_c = h0, np.zeros_like(h0)
    for t in range(T):
        cur_h, cur_c, c = lstm_step_forward(x[:, t, :], cur_h, cur_c, Wx, Wh, b)
        h[:, t, :] = cur_h
        cache.append(c)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0]["x"].shape[1]), dtype=dh.dtype)
    dWx = np.zeros_like(cache[0]["Wx"])
    dWh = np.zeros_like(cache[0]["Wh"])
    db = np.zeros((4 * H,), dtype=dh.dtype)
    dh_carry = np.zeros((N, H), dtype=dh.dtype)
    dc_carry = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx_t, dh_carry, dc_carry, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dh_carry, dc_carry, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_carry, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, cache_proj = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    wv, cache_wv = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type == "rnn":
        h, cache_h = rnn_forward(wv, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    else:
        h, cache_h = lstm_forward(wv, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, cache_scores = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask, verbose=False)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cache_scores)
    if self.cell_type == "rnn":
        dwv, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache_h)
    else:
        dwv, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cache_h)
    grads["W_embed"] = word_embedding_backward(dwv, cache_wv)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_proj)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    for n in range(N):
        h = np.dot(features[[n]], self.params["W_proj"]) + self.params["b_proj"]
        c = np.zeros_like(h)
        word = self._start
        for t in range(max_length):
            x = self.params["W_embed"][word][np.newaxis, :]
            if self.cell_type is 'rnn':
                h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
            else:
                h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
            scores = np.dot(h, self.params["W_vocab"]) + self.params["b_vocab"]
            word = np.argmax(scores)
            captions[n, t] = word
            if word == self._end:
                break
    return captions

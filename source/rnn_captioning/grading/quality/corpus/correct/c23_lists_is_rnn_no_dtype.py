"""Lists of hidden states, np.zeros without dtype, and `is 'rnn'` picking the cell in both loss and sample."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.dot(x, Wx) + np.dot(prev_h, Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h * (1 - next_h ** 2)
    return np.dot(dz, Wx.T), np.dot(dz, Wh.T), np.dot(x.T, dz), np.dot(prev_h.T, dz), np.sum(dz, axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    states = [h0]
    cache = []
    for t in range(x.shape[1]):
        nh, c = rnn_step_forward(x[:, t, :], states[-1], Wx, Wh, b)
        states.append(nh)
        cache.append(c)
    h = np.stack(states[1:], axis=1)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x]
    return out, (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    N, T = x.shape
    for n in range(N):
        for t in range(T):
            dW[x[n, t], :] += dout[n, t, :]
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
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
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate((dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)), axis=1)
    return (np.dot(da, Wx.T), np.dot(da, Wh.T), dc * f, np.dot(x.T, da), np.dot(prev_h.T, da),
            np.sum(da, axis=0))


def lstm_forward(x, h0, Wx, Wh, b):
    states = [h0]
    c = np.zeros(h0.shape)
    cache = []
    for t in range(x.shape[1]):
        nh, c, step = lstm_step_forward(x[:, t, :], states[-1], c, Wx, Wh, b)
        states.append(nh)
        cache.append(step)
    return np.stack(states[1:], axis=1), cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, 4 * H))
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dh_next, dc_next,
                                                                               cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    h0, cache_init = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    embed, cache_embed = word_embedding_forward(captions_in, self.params["W_embed"])
    if self.cell_type is 'rnn':
        hidden, cache_hidden = rnn_forward(embed, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    elif self.cell_type is 'lstm':
        hidden, cache_hidden = lstm_forward(embed, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, cache_scores = temporal_affine_forward(hidden, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

    dhidden, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cache_scores)
    if self.cell_type is 'rnn':
        dembed, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dhidden, cache_hidden)
    elif self.cell_type is 'lstm':
        dembed, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dhidden, cache_hidden)
    grads["W_embed"] = word_embedding_backward(dembed, cache_embed)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_init)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros(h.shape)
    words = [self._start] * N
    for t in range(max_length):
        x = self.params["W_embed"][words]
        if self.cell_type is 'rnn':
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores, _ = affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
        words = list(np.argmax(scores, axis=1))
        captions[:, t] = words
    return captions

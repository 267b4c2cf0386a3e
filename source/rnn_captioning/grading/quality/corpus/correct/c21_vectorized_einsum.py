"""Fully vectorized composites written with einsum (no step calls), caches as dicts of whole sequences, time-major inside."""
KIND = "correct"
BASE = None
LOSES = {}

# ==== rnn_layers.py ====


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", prev_h, Wh) + b)
    return next_h, {"x": x, "h": prev_h, "Wx": Wx, "Wh": Wh, "out": next_h}


def rnn_step_backward(dnext_h, cache):
    da = dnext_h * (1 - cache["out"] ** 2)
    return (np.einsum("nh,dh->nd", da, cache["Wx"]), np.einsum("nh,kh->nk", da, cache["Wh"]),
            np.einsum("nd,nh->dh", cache["x"], da), np.einsum("nk,nh->kh", cache["h"], da), da.sum(axis=0))


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    xa = np.einsum("ntd,dh->tnh", x, Wx) + b         # (T, N, H)
    hs = np.zeros_like(xa)
    h = h0
    for t in range(T):
        h = np.tanh(xa[t] + np.einsum("nk,kh->nh", h, Wh))
        hs[t] = h
    cache = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "hs": hs}
    return np.einsum("tnh->nth", hs), cache


def rnn_backward(dh, cache):
    hs, h0, Wh = cache["hs"], cache["h0"], cache["Wh"]
    T = hs.shape[0]
    da = np.zeros_like(hs)
    carry = np.zeros_like(h0)
    for t in reversed(range(T)):
        da[t] = (dh[:, t] + carry) * (1 - hs[t] ** 2)
        carry = np.einsum("nh,kh->nk", da[t], Wh)
    prev = np.concatenate([h0[None], hs[:-1]], axis=0)
    dx = np.einsum("tnh,dh->ntd", da, cache["Wx"])
    dWx = np.einsum("ntd,tnh->dh", cache["x"], da)
    dWh = np.einsum("tnk,tnh->kh", prev, da)
    db = np.einsum("tnh->h", da)
    return dx, carry, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], {"x": x, "W": W}


def word_embedding_backward(dout, cache):
    dW = np.zeros_like(cache["W"])
    np.add.at(dW, cache["x"], dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.einsum("nd,dk->nk", x, Wx) + np.einsum("nh,hk->nk", prev_h, Wh) + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = {"x": x, "h": prev_h, "c": prev_c, "Wx": Wx, "Wh": Wh, "i": i, "f": f, "o": o, "g": g, "nc": next_c}
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g = cache["i"], cache["f"], cache["o"], cache["g"]
    tc = np.tanh(cache["nc"])
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * cache["c"] * f * (1 - f),
                         dnext_h * tc * o * (1 - o), dc * i * (1 - g ** 2)], axis=1)
    return (np.einsum("nk,dk->nd", da, cache["Wx"]), np.einsum("nk,hk->nh", da, cache["Wh"]), dc * f,
            np.einsum("nd,nk->dk", cache["x"], da), np.einsum("nh,nk->hk", cache["h"], da), da.sum(axis=0))


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    xa = np.einsum("ntd,dk->tnk", x, Wx) + b           # (T, N, 4H)
    act = np.zeros_like(xa)
    cs = np.zeros(xa.shape[:2] + (H,), dtype=xa.dtype)
    hs = np.zeros_like(cs)
    h, c = h0, np.zeros((N, H), dtype=xa.dtype)
    for t in range(T):
        a = xa[t] + np.einsum("nh,hk->nk", h, Wh)
        act[t, :, :3 * H] = sigmoid(a[:, :3 * H])
        act[t, :, 3 * H:] = np.tanh(a[:, 3 * H:])
        c = act[t, :, H:2 * H] * c + act[t, :, :H] * act[t, :, 3 * H:]
        h = act[t, :, 2 * H:3 * H] * np.tanh(c)
        cs[t], hs[t] = c, h
    cache = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "act": act, "cs": cs, "hs": hs}
    return np.einsum("tnh->nth", hs), cache


def lstm_backward(dh, cache):
    act, cs, hs, h0 = cache["act"], cache["cs"], cache["hs"], cache["h0"]
    T, N, H = hs.shape
    da = np.zeros_like(act)
    dh_carry = np.zeros_like(h0)
    dc_carry = np.zeros_like(h0)
    for t in reversed(range(T)):
        i, f, o, g = act[t, :, :H], act[t, :, H:2 * H], act[t, :, 2 * H:3 * H], act[t, :, 3 * H:]
        c_prev = cs[t - 1] if t > 0 else np.zeros_like(h0)
        tc = np.tanh(cs[t])
        dht = dh[:, t] + dh_carry
        dc = dc_carry + dht * o * (1 - tc ** 2)
        da[t, :, :H] = dc * g * i * (1 - i)
        da[t, :, H:2 * H] = dc * c_prev * f * (1 - f)
        da[t, :, 2 * H:3 * H] = dht * tc * o * (1 - o)
        da[t, :, 3 * H:] = dc * i * (1 - g ** 2)
        dc_carry = dc * f
        dh_carry = np.einsum("nk,hk->nh", da[t], cache["Wh"])
    prev = np.concatenate([h0[None], hs[:-1]], axis=0)
    dx = np.einsum("tnk,dk->ntd", da, cache["Wx"])
    dWx = np.einsum("ntd,tnk->dk", cache["x"], da)
    dWh = np.einsum("tnh,tnk->hk", prev, da)
    db = np.einsum("tnk->k", da)
    return dx, dh_carry, dWx, dWh, db


# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    p = self.params
    h0 = np.einsum("nd,dh->nh", features, p["W_proj"]) + p["b_proj"]
    x, ec = word_embedding_forward(captions_in, p["W_embed"])
    if self.cell_type == "rnn":
        h, cc = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    else:
        h, cc = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    scores, vc = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, vc)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cc)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cc)
    grads["W_embed"] = word_embedding_backward(dx, ec)
    grads["W_proj"] = np.einsum("nd,nh->dh", features, dh0)
    grads["b_proj"] = dh0.sum(axis=0)
    return loss, grads


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    p = self.params
    h = np.einsum("nd,dh->nh", features, p["W_proj"]) + p["b_proj"]
    c = np.zeros_like(h)
    w = np.full(N, self._start)
    for t in range(max_length):
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(p["W_embed"][w], h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(p["W_embed"][w], h, c, p["Wx"], p["Wh"], p["b"])
        w = np.argmax(np.einsum("nh,hv->nv", h, p["W_vocab"]) + p["b_vocab"], axis=1)
        captions[:, t] = w
    return captions

"""Layers for recurrent captioning models.

Shape letters used throughout:
    N  minibatch size          T  sequence length (time steps)
    D  input dimension         H  hidden dimension
    V  vocabulary size         M  output dimension of an affine layer

Every function works for any floating dtype and returns arrays of the dtype it
was given: float32 in, float32 out.
"""
import numpy as np


def sigmoid(x):
    """Logistic function, stable for large |x|: exp is only taken of -|x|.

    x: array of any shape; returns an array of the same shape and dtype.
    """
    z = np.exp(-np.abs(x))
    # x >= 0: 1 / (1 + e^-x);  x < 0: e^x / (1 + e^x). Both have denominator 1 + z.
    return np.where(x >= 0, 1, z) / (1 + z)


# ---------------------------------------------------------------------------
# Vanilla RNN
# ---------------------------------------------------------------------------

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a vanilla RNN with a tanh nonlinearity.

        next_h = tanh(x Wx + prev_h Wh + b)

    Inputs:
    - x: input at this step, (N, D)
    - prev_h: hidden state of the previous step, (N, H)
    - Wx: input-to-hidden weights, (D, H)
    - Wh: hidden-to-hidden weights, (H, H)
    - b: bias, (H,)

    Returns a tuple of:
    - next_h: next hidden state, (N, H)
    - cache: what rnn_step_backward needs
    """
    next_h, cache = None, None
    next_h = np.tanh(np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", prev_h, Wh) + b)
    cache = x, prev_h, Wx, Wh, next_h
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass of rnn_step_forward.

    Inputs:
    - dnext_h: upstream gradient on next_h, (N, H)
    - cache: from rnn_step_forward

    Returns a tuple of:
    - dx: (N, D)
    - dprev_h: (N, H)
    - dWx: (D, H)
    - dWh: (H, H)
    - db: (H,)
    """
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    xs, hs, wx, wh, out = cache
    g = (1 - out ** 2) * dnext_h
    dx, dprev_h = np.einsum("nh,dh->nd", g, wx), np.einsum("nh,kh->nk", g, wh)
    dWx, dWh = np.einsum("nd,nh->dh", xs, g), np.einsum("nk,nh->kh", hs, g)
    db = np.einsum("nh->h", g)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN run over a whole sequence.

    Inputs:
    - x: input sequence, (N, T, D)
    - h0: initial hidden state, (N, H)
    - Wx: (D, H)
    - Wh: (H, H)
    - b: (H,)

    Returns a tuple of:
    - h: hidden states of every step, (N, T, H)
    - cache: what rnn_backward needs
    """
    h, cache = None, None
    xw = np.einsum("ntd,dh->tnh", x, Wx) + b          # time-major input part
    out = np.zeros((x.shape[1] + 1,) + h0.shape, dtype=np.result_type(xw, h0))
    out[0] = h0
    for k in range(x.shape[1]):
        out[k + 1] = np.tanh(xw[k] + np.einsum("nk,kh->nh", out[k], Wh))
    h = np.ascontiguousarray(np.moveaxis(out[1:], 0, 1))
    cache = x, Wx, Wh, out
    return h, cache


def rnn_backward(dh, cache):
    """Backward pass of rnn_forward.

    Inputs:
    - dh: upstream gradients on all hidden states, (N, T, H)
    - cache: from rnn_forward

    Returns a tuple of:
    - dx: (N, T, D)
    - dh0: (N, H)
    - dWx: (D, H)
    - dWh: (H, H)
    - db: (H,)
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    x, Wx, Wh, out = cache
    dh_tm = np.moveaxis(dh, 1, 0)
    g = np.zeros_like(dh_tm)
    running = np.zeros_like(out[0])
    for k in range(dh_tm.shape[0])[::-1]:
        g[k] = (dh_tm[k] + running) * (1 - out[k + 1] ** 2)
        running = np.einsum("nh,kh->nk", g[k], Wh)
    dh0 = running
    dx = np.einsum("tnh,dh->ntd", g, Wx)
    dWx = np.einsum("ntd,tnh->dh", x, g)
    dWh = np.einsum("tnk,tnh->kh", out[:-1], g)
    db = np.einsum("tnh->h", g)
    return dx, dh0, dWx, dWh, db


# ---------------------------------------------------------------------------
# Word embedding
# ---------------------------------------------------------------------------

def word_embedding_forward(x, W):
    """Look up a vector for every word index.

    Inputs:
    - x: integer word indices, (N, T), each in [0, V)
    - W: word vectors, (V, D)

    Returns a tuple of:
    - out: (N, T, D)
    - cache: what word_embedding_backward needs
    """
    out, cache = None, None
    out = np.take(W, x, axis=0)
    cache = x, W.shape[0]
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward pass of word_embedding_forward.

    A word that occurs several times receives the sum of all its gradients.

    Inputs:
    - dout: upstream gradients, (N, T, D)
    - cache: from word_embedding_forward

    Returns:
    - dW: gradient of the word vectors, (V, D)
    """
    dW = None
    x, V = cache
    onehot = (x[..., None] == np.arange(V)).astype(dout.dtype)      # (N, T, V)
    dW = np.einsum("ntv,ntd->vd", onehot, dout)
    return dW


# ---------------------------------------------------------------------------
# LSTM
#
# The activation vector a = x Wx + prev_h Wh + b has 4H columns, split in this
# order into the input gate i, forget gate f, output gate o and block input g.
# ---------------------------------------------------------------------------

def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One time step of an LSTM.

        i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);  g = tanh(a_g)
        next_c = f * prev_c + i * g
        next_h = o * tanh(next_c)

    Inputs:
    - x: input at this step, (N, D)
    - prev_h: previous hidden state, (N, H)
    - prev_c: previous cell state, (N, H)
    - Wx: input-to-hidden weights, (D, 4H)
    - Wh: hidden-to-hidden weights, (H, 4H)
    - b: bias, (4H,)

    Returns a tuple of:
    - next_h: (N, H)
    - next_c: (N, H)
    - cache: what lstm_step_backward needs
    """
    next_h, next_c, cache = None, None, None
    pre = np.einsum("nd,dk->nk", x, Wx) + np.einsum("nh,hk->nk", prev_h, Wh) + b
    blocks = np.split(pre, 4, axis=1)
    i, f, o = (sigmoid(blk) for blk in blocks[:3])
    g = np.tanh(blocks[3])
    next_c = i * g + f * prev_c
    next_h = np.tanh(next_c) * o
    cache = x, prev_h, prev_c, Wx, Wh, np.concatenate([i, f, o, g], axis=1), next_c
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of lstm_step_forward.

    Inputs:
    - dnext_h: upstream gradient on next_h, (N, H)
    - dnext_c: upstream gradient on next_c, (N, H)
    - cache: from lstm_step_forward

    Returns a tuple of:
    - dx: (N, D)
    - dprev_h: (N, H)
    - dprev_c: (N, H)
    - dWx: (D, 4H)
    - dWh: (H, 4H)
    - db: (4H,)
    """
    dx, dprev_h, dprev_c, dWx, dWh, db = None, None, None, None, None, None
    x, prev_h, prev_c, Wx, Wh, ifog, next_c = cache
    i, f, o, g = np.split(ifog, 4, axis=1)
    th = np.tanh(next_c)
    dcell = dnext_h * o * (1 - th ** 2) + dnext_c
    local = np.concatenate([g * i * (1 - i) * dcell,
                            prev_c * f * (1 - f) * dcell,
                            th * o * (1 - o) * dnext_h,
                            i * (1 - g ** 2) * dcell], axis=1)
    dprev_c = f * dcell
    dx, dprev_h = np.einsum("nk,dk->nd", local, Wx), np.einsum("nk,hk->nh", local, Wh)
    dWx, dWh = np.einsum("nd,nk->dk", x, local), np.einsum("nh,nk->hk", prev_h, local)
    db = np.einsum("nk->k", local)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """An LSTM run over a whole sequence. The initial cell state is zero.

    Inputs:
    - x: input sequence, (N, T, D)
    - h0: initial hidden state, (N, H)
    - Wx: (D, 4H)
    - Wh: (H, 4H)
    - b: (4H,)

    Returns a tuple of:
    - h: hidden states of every step, (N, T, H)
    - cache: what lstm_backward needs
    """
    h, cache = None, None
    steps = x.shape[1]
    hs = [h0]
    cs = [np.zeros_like(h0)]
    step_caches = []
    for k in range(steps):
        nh, nc, sc = lstm_step_forward(x[:, k], hs[-1], cs[-1], Wx, Wh, b)
        hs.append(nh)
        cs.append(nc)
        step_caches.append(sc)
    h = np.einsum("tnh->nth", np.array(hs[1:]).reshape(steps, *h0.shape))
    cache = step_caches, x.shape
    return h, cache


def lstm_backward(dh, cache):
    """Backward pass of lstm_forward.

    Inputs:
    - dh: upstream gradients on all hidden states, (N, T, H)
    - cache: from lstm_forward

    Returns a tuple of:
    - dx: (N, T, D)
    - dh0: (N, H)
    - dWx: (D, 4H)
    - dWh: (H, 4H)
    - db: (4H,)
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    step_caches, xshape = cache
    n, steps, hid = dh.shape
    dx = np.zeros(xshape, dtype=dh.dtype)
    totals = None
    gh = np.zeros((n, hid), dtype=dh.dtype)
    gc = np.zeros((n, hid), dtype=dh.dtype)
    for k in range(steps)[::-1]:
        dx[:, k], gh, gc, *pgrads = lstm_step_backward(dh[:, k] + gh, gc, step_caches[k])
        totals = pgrads if totals is None else [acc + new for acc, new in zip(totals, pgrads)]
    if totals is None:
        totals = [np.zeros((xshape[2], 4 * hid)), np.zeros((hid, 4 * hid)), np.zeros(4 * hid)]
    dWx, dWh, db = totals
    dh0 = gh
    return dx, dh0, dWx, dWh, db


# ---------------------------------------------------------------------------
# Provided: temporal affine layer and temporal softmax loss
# ---------------------------------------------------------------------------

def temporal_affine_forward(x, w, b):
    """An affine map applied at every time step.

    Inputs:
    - x: (N, T, D)
    - w: (D, M)
    - b: (M,)

    Returns a tuple of:
    - out: (N, T, M)
    - cache: what temporal_affine_backward needs
    """
    N, T, D = x.shape
    out = (x.reshape(N * T, D) @ w + b).reshape(N, T, -1)
    return out, (x, w)


def temporal_affine_backward(dout, cache):
    """Backward pass of temporal_affine_forward.

    Inputs:
    - dout: (N, T, M)
    - cache: from temporal_affine_forward

    Returns a tuple of:
    - dx: (N, T, D)
    - dw: (D, M)
    - db: (M,)
    """
    x, w = cache
    D, M = w.shape
    dx = (dout.reshape(-1, M) @ w.T).reshape(x.shape)
    dw = x.reshape(-1, D).T @ dout.reshape(-1, M)
    db = dout.reshape(-1, M).sum(axis=0)
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Softmax cross-entropy at every step, summed over time, averaged over the batch.

    Steps whose mask is False (padding after <END>) add nothing to the loss or
    to the gradient.

    Inputs:
    - x: scores, (N, T, V)
    - y: target word indices, (N, T), each in [0, V)
    - mask: which steps count, (N, T), boolean
    - verbose: print the shape of the gradient

    Returns a tuple of:
    - loss: scalar
    - dx: gradient of the loss with respect to x, (N, T, V)
    """
    N, T, V = x.shape
    scores = x.reshape(N * T, V)
    targets = y.reshape(N * T)
    weights = mask.reshape(N * T)

    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(N * T)
    loss = -(weights * log_probs[rows, targets]).sum() / N

    dscores = np.exp(log_probs)
    dscores[rows, targets] -= 1
    dscores *= weights[:, None] / N
    if verbose:
        print("dx:", dscores.shape)
    return loss, dscores.reshape(N, T, V)

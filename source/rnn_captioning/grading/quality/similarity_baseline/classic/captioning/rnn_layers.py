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
    # affine part, then the nonlinearity
    z = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    next_h = np.tanh(z)
    cache = (x, prev_h, Wx, Wh, z)
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
    x, prev_h, Wx, Wh, z = cache
    dz = dnext_h * (1 - np.tanh(z) ** 2)   # derivative of tanh
    dx = np.dot(dz, Wx.T)
    dprev_h = np.dot(dz, Wh.T)
    dWx = np.dot(x.T, dz)
    dWh = np.dot(prev_h.T, dz)
    db = np.sum(dz, axis=0)
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
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    cache = []
    prev = h0
    for t in range(T):
        prev, c = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h[:, t, :] = prev
        cache.append(c)
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
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    dprev = np.zeros((N, H), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        dxt, dprev, dWxt, dWht, dbt = rnn_step_backward(dh[:, t, :] + dprev, cache[t])
        dx[:, t, :] = dxt
        dWx += dWxt
        dWh += dWht
        db += dbt
    dh0 = dprev
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
    out = W[x, :]
    cache = (x, W)
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
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
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
    H = prev_h.shape[1]
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    ai = a[:, 0:H]
    af = a[:, H:2*H]
    ao = a[:, 2*H:3*H]
    ag = a[:, 3*H:4*H]
    i = sigmoid(ai)
    f = sigmoid(af)
    o = sigmoid(ao)
    g = np.tanh(ag)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
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
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    do = dnext_h * tc
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    di = dc * g
    df = dc * prev_c
    dg = dc * i
    dprev_c = dc * f
    dai = di * i * (1 - i)
    daf = df * f * (1 - f)
    dao = do * o * (1 - o)
    dag = dg * (1 - g ** 2)
    da = np.hstack((dai, daf, dao, dag))
    dx = np.dot(da, Wx.T)
    dprev_h = np.dot(da, Wh.T)
    dWx = np.dot(x.T, da)
    dWh = np.dot(prev_h.T, da)
    db = np.sum(da, axis=0)
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
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    prev_h = h0
    prev_c = np.zeros_like(h0)
    cache = []
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(c)
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
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dxt, dprev_h, dprev_c, dWxt, dWht, dbt = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dx[:, t, :] = dxt
        dWx += dWxt
        dWh += dWht
        db += dbt
    dh0 = dprev_h
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

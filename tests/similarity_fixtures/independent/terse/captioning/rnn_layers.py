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
    next_h = np.tanh(np.matmul(prev_h, Wh) + np.matmul(x, Wx) + b)
    cache = [x, prev_h, Wx, Wh, next_h]
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
    x, ph, Wx, Wh, nh = cache
    d = dnext_h - dnext_h * nh * nh
    db = d.sum(0)
    dWx, dWh = np.matmul(x.T, d), np.matmul(ph.T, d)
    dx, dprev_h = np.matmul(d, Wx.T), np.matmul(d, Wh.T)
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
    h = np.zeros((N, T, Wh.shape[0]), dtype=np.result_type(x, h0))
    hp = h0
    for t in range(T):
        hp = np.tanh(np.matmul(x[:, t], Wx) + np.matmul(hp, Wh) + b)
        h[:, t] = hp
    cache = [x, h0, Wx, Wh, h]
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
    x, h0, Wx, Wh, h = cache
    N, T, H = dh.shape
    dx = np.zeros_like(x, dtype=dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx, dtype=dh.dtype), np.zeros_like(Wh, dtype=dh.dtype), np.zeros(H, dtype=dh.dtype)
    dn = np.zeros_like(h0, dtype=dh.dtype)
    for t in range(T)[::-1]:
        hp = h[:, t - 1] if t else h0
        d = (dh[:, t] + dn) * (1 - h[:, t] ** 2)
        dx[:, t] = np.matmul(d, Wx.T)
        dWx += np.matmul(x[:, t].T, d)
        dWh += np.matmul(hp.T, d)
        db += d.sum(0)
        dn = np.matmul(d, Wh.T)
    dh0 = dn
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
    out, cache = W[x], [x, W.shape]
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
    x, shp = cache
    dW = np.zeros(shp, dtype=dout.dtype)
    np.add.at(dW, x.flatten(), dout.reshape(-1, shp[1]))
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
    H = b.shape[0] // 4
    z = np.matmul(prev_h, Wh) + np.matmul(x, Wx) + b
    s = sigmoid(z[:, :3 * H])
    i, f, o = s[:, :H], s[:, H:2 * H], s[:, 2 * H:]
    g = np.tanh(z[:, 3 * H:])
    next_c = prev_c * f + g * i
    next_h = np.tanh(next_c) * o
    cache = [x, prev_h, prev_c, Wx, Wh, z, next_c]
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
    x, ph, pc, Wx, Wh, z, nc = cache
    H = ph.shape[1]
    s = sigmoid(z[:, :3 * H])
    i, f, o = s[:, :H], s[:, H:2 * H], s[:, 2 * H:]
    g = np.tanh(z[:, 3 * H:])
    tnc = np.tanh(nc)
    dc = dnext_c + dnext_h * o * (1 - tnc ** 2)
    dz = np.zeros_like(z)
    dz[:, :H] = dc * g * i * (1 - i)
    dz[:, H:2 * H] = dc * pc * f * (1 - f)
    dz[:, 2 * H:3 * H] = dnext_h * tnc * o * (1 - o)
    dz[:, 3 * H:] = dc * i * (1 - g ** 2)
    db = dz.sum(0)
    dWx, dWh = np.matmul(x.T, dz), np.matmul(ph.T, dz)
    dx, dprev_h, dprev_c = np.matmul(dz, Wx.T), np.matmul(dz, Wh.T), dc * f
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
    h = np.zeros((N, T, h0.shape[1]), dtype=np.result_type(x, h0))
    hp, cp, cache = h0, np.zeros_like(h0), []
    for t in range(T):
        hp, cp, c = lstm_step_forward(x[:, t], hp, cp, Wx, Wh, b)
        h[:, t] = hp
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
    dx = np.zeros((N, T, cache[0][3].shape[0]), dtype=dh.dtype) if T else np.zeros((N, 0, 0), dtype=dh.dtype)
    dWx = dWh = db = 0
    dn, dcn = np.zeros((N, H), dtype=dh.dtype), np.zeros((N, H), dtype=dh.dtype)
    for t in range(T)[::-1]:
        dx[:, t], dn, dcn, a, c, e = lstm_step_backward(dh[:, t] + dn, dcn, cache[t])
        dWx, dWh, db = dWx + a, dWh + c, db + e
    dh0 = dn
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

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
    next_h = np.tanh(_affine2(x, Wx, prev_h, Wh, b))
    cache = dict(x=x, h=prev_h, Wx=Wx, Wh=Wh, out=next_h)
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
    delta = _tanh_backward(dnext_h, cache["out"])
    dx, dprev_h, dWx, dWh, db = _affine2_backward(delta, cache["x"], cache["Wx"], cache["h"], cache["Wh"])
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
    state, outputs, memo = h0, [], []
    for x_t in x.transpose(1, 0, 2):
        state, c = rnn_step_forward(x_t, state, Wx, Wh, b)
        outputs.append(state)
        memo.append(c)
    h = np.stack(outputs, 1) if outputs else np.empty((x.shape[0], 0, h0.shape[1]), h0.dtype)
    cache = dict(steps=memo, D=x.shape[2])
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
    dxs = [None] * T
    sums = [np.zeros((cache["D"], H), dh.dtype), np.zeros((H, H), dh.dtype), np.zeros(H, dh.dtype)]
    back = np.zeros((N, H), dh.dtype)
    for t in reversed(range(T)):
        dxs[t], back, *rest = rnn_step_backward(dh[:, t] + back, cache["steps"][t])
        sums = [s + r for s, r in zip(sums, rest)]
    dx = np.stack(dxs, 1) if T else np.zeros((N, 0, cache["D"]), dh.dtype)
    dh0 = back
    dWx, dWh, db = sums
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
    out = W[x.reshape(-1)].reshape(x.shape + (W.shape[1],))
    cache = dict(idx=x, V=W.shape[0])
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
    flat_idx = cache["idx"].reshape(-1)
    flat_grad = dout.reshape(flat_idx.shape[0], -1)
    dW = np.zeros((cache["V"], flat_grad.shape[1]), dtype=dout.dtype)
    for word in np.unique(flat_idx):
        dW[word] = flat_grad[flat_idx == word].sum(axis=0)
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
    a_i, a_f, a_o, a_g = _split_gates(_affine2(x, Wx, prev_h, Wh, b))
    gates = dict(i=sigmoid(a_i), f=sigmoid(a_f), o=sigmoid(a_o), g=np.tanh(a_g))
    next_c = gates["f"] * prev_c + gates["i"] * gates["g"]
    next_h = gates["o"] * np.tanh(next_c)
    cache = dict(x=x, h=prev_h, c=prev_c, Wx=Wx, Wh=Wh, gates=gates, c_next=next_c)
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
    gt = cache["gates"]
    tanh_next = np.tanh(cache["c_next"])
    d_c = dnext_c + _tanh_backward(dnext_h * gt["o"], tanh_next)
    d_gates = [d_c * gt["g"], d_c * cache["c"], dnext_h * tanh_next]
    d_pre = [_sigmoid_backward(d, gt[k]) for d, k in zip(d_gates, "ifo")]
    d_pre.append(_tanh_backward(d_c * gt["i"], gt["g"]))
    dprev_c = d_c * gt["f"]
    dx, dprev_h, dWx, dWh, db = _affine2_backward(np.hstack(d_pre), cache["x"], cache["Wx"], cache["h"], cache["Wh"])
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
    state, cell, outputs, memo = h0, np.zeros_like(h0), [], []
    for x_t in x.transpose(1, 0, 2):
        state, cell, c = lstm_step_forward(x_t, state, cell, Wx, Wh, b)
        outputs.append(state)
        memo.append(c)
    h = np.stack(outputs, 1) if outputs else np.empty((x.shape[0], 0, h0.shape[1]), h0.dtype)
    cache = dict(steps=memo, D=x.shape[2])
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
    dxs = [None] * T
    sums = [np.zeros((cache["D"], 4 * H), dh.dtype), np.zeros((H, 4 * H), dh.dtype), np.zeros(4 * H, dh.dtype)]
    back_h = np.zeros((N, H), dh.dtype)
    back_c = np.zeros((N, H), dh.dtype)
    for t in reversed(range(T)):
        dxs[t], back_h, back_c, *rest = lstm_step_backward(dh[:, t] + back_h, back_c, cache["steps"][t])
        sums = [s + r for s, r in zip(sums, rest)]
    dx = np.stack(dxs, 1) if T else np.zeros((N, 0, cache["D"]), dh.dtype)
    dh0 = back_h
    dWx, dWh, db = sums
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



def _affine2(x, Wx, h, Wh, b):
    """x Wx + h Wh + b."""
    return x.dot(Wx) + h.dot(Wh) + b



def _affine2_backward(delta, x, Wx, h, Wh):
    return delta.dot(Wx.T), delta.dot(Wh.T), x.T.dot(delta), h.T.dot(delta), delta.sum(0)



def _tanh_backward(upstream, tanh_value):
    return upstream * (1 - tanh_value * tanh_value)



def _sigmoid_backward(upstream, sig_value):
    return upstream * sig_value * (1 - sig_value)



def _split_gates(a):
    H = a.shape[1] // 4
    return a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]

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
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
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
    x, prev_h, Wx, Wh, next_h = cache
    # d tanh(a) / da = 1 - tanh(a)^2, and next_h already holds tanh(a).
    da = dnext_h * (1 - next_h * next_h)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
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
    # The input part of every step does not depend on the recurrence, so it is
    # one large matrix product instead of T small ones.
    x_proj = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, -1)   # (N, T, H)
    h = np.empty(x_proj.shape, dtype=np.result_type(x_proj, h0, Wh))
    prev_h = h0
    for t in range(T):
        prev_h = np.tanh(x_proj[:, t] + prev_h @ Wh)
        h[:, t] = prev_h
    cache = (x, h0, Wx, Wh, h)
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
    N, T, H = h.shape
    da = np.empty_like(h)                                 # (N, T, H)
    dprev_h = np.zeros_like(h0)
    for t in reversed(range(T)):
        # Step t's state feeds the loss directly (dh) and the next step (dprev_h).
        da[:, t] = (dh[:, t] + dprev_h) * (1 - h[:, t] * h[:, t])
        dprev_h = da[:, t] @ Wh.T
    dh0 = dprev_h
    # Parameter gradients sum over batch and time: one product each.
    h_prev = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)   # (N, T, H)
    da_flat = da.reshape(N * T, H)
    dx = (da_flat @ Wx.T).reshape(x.shape)
    dWx = x.reshape(N * T, -1).T @ da_flat
    dWh = h_prev.reshape(N * T, H).T @ da_flat
    db = da_flat.sum(axis=0)
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
    out = W[x]
    cache = (x, W.shape, W.dtype)
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
    x, (V, D), dtype = cache
    words = x.ravel()
    grads = dout.reshape(-1, D)
    # Sort once, then add each word's rows as one contiguous segment
    # (np.add.at does the same one row at a time, which is far slower).
    order = np.argsort(words, kind="stable")
    present, starts = np.unique(words[order], return_index=True)
    dW = np.zeros((V, D), dtype=np.result_type(dtype, dout))
    if present.size:
        dW[present] = np.add.reduceat(grads[order], starts, axis=0)
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
    a = x @ Wx + prev_h @ Wh + b                          # (N, 4H)
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
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
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    # next_c reaches the loss directly and through next_h = o * tanh(next_c).
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)
    # Gradients on the four pre-activations; sigmoid' = s(1 - s), tanh' = 1 - t^2.
    da = np.concatenate([
        dc * g * i * (1 - i),
        dc * prev_c * f * (1 - f),
        dnext_h * tanh_c * o * (1 - o),
        dc * i * (1 - g * g),
    ], axis=1)                                            # (N, 4H)
    dprev_c = dc * f
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
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
    # One product for the input part of all steps, stored time-major so
    # that each step reads and writes contiguous (N, .) blocks.
    x_proj = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, 4 * H).transpose(1, 0, 2)
    dtype = np.result_type(x_proj, h0, Wh)
    gates = np.empty((T, N, 4 * H), dtype=dtype)          # i, f, o, g of every step
    c = np.empty((T, N, H), dtype=dtype)
    h_steps = np.empty((T, N, H), dtype=dtype)
    prev_h, prev_c = h0, np.zeros((N, H), dtype=dtype)
    for t in range(T):
        a = x_proj[t] + prev_h @ Wh
        gates[t, :, :3 * H] = sigmoid(a[:, :3 * H])
        gates[t, :, 3 * H:] = np.tanh(a[:, 3 * H:])
        i, f, o, g = np.split(gates[t], 4, axis=1)
        prev_c = c[t] = f * prev_c + i * g
        prev_h = h_steps[t] = o * np.tanh(prev_c)
    h = h_steps.transpose(1, 0, 2)
    cache = (x, h0, Wx, Wh, h_steps, c, gates)
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
    x, h0, Wx, Wh, h_steps, c, gates = cache           # time-major: (T, N, .)
    T, N, H = h_steps.shape
    da = np.empty_like(gates)                             # (T, N, 4H)
    dnext_h = np.zeros((N, H), dtype=gates.dtype)
    dnext_c = np.zeros((N, H), dtype=gates.dtype)
    for t in reversed(range(T)):
        i, f, o, g = np.split(gates[t], 4, axis=1)
        prev_c = c[t - 1] if t > 0 else 0
        tanh_c = np.tanh(c[t])
        dh_t = dh[:, t] + dnext_h
        dc = dnext_c + dh_t * o * (1 - tanh_c * tanh_c)
        da[t, :, :H] = dc * g * i * (1 - i)
        da[t, :, H:2 * H] = dc * prev_c * f * (1 - f)
        da[t, :, 2 * H:3 * H] = dh_t * tanh_c * o * (1 - o)
        da[t, :, 3 * H:] = dc * i * (1 - g * g)
        dnext_c = dc * f
        dnext_h = da[t] @ Wh.T
    dh0 = dnext_h
    # Parameter gradients sum over batch and time: one product each.
    h_prev = np.concatenate([h0[None], h_steps[:-1]], axis=0)           # (T, N, H)
    da_flat = da.transpose(1, 0, 2).reshape(N * T, 4 * H)               # rows ordered like x
    dx = (da_flat @ Wx.T).reshape(x.shape)
    dWx = x.reshape(N * T, -1).T @ da_flat
    dWh = h_prev.reshape(T * N, H).T @ da.reshape(T * N, 4 * H)
    db = da_flat.sum(axis=0)
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

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
    pre_activation = x @ Wx + prev_h @ Wh
    pre_activation += b
    next_h = np.tanh(pre_activation)
    cache = {"input": x, "hidden_in": prev_h, "W_in": Wx, "W_rec": Wh, "hidden_out": next_h}
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
    grad_pre = dnext_h * (1.0 - np.square(cache["hidden_out"]))
    db = grad_pre.sum(axis=0)
    dWh = cache["hidden_in"].T @ grad_pre
    dWx = cache["input"].T @ grad_pre
    dprev_h = grad_pre @ cache["W_rec"].T
    dx = grad_pre @ cache["W_in"].T
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
    batch, steps, _ = x.shape
    hidden = h0.shape[1]
    states = []
    step_caches = []
    current = h0
    for step in range(steps):
        current, step_cache = rnn_step_forward(x[:, step], current, Wx, Wh, b)
        states.append(current)
        step_caches.append(step_cache)
    h = np.stack(states, axis=1) if states else np.zeros((batch, 0, hidden), dtype=h0.dtype)
    cache = {"steps": step_caches, "input_dim": x.shape[2]}
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
    batch, steps, hidden = dh.shape
    input_dim = cache["input_dim"]
    dx = np.zeros((batch, steps, input_dim), dtype=dh.dtype)
    dWx = np.zeros((input_dim, hidden), dtype=dh.dtype)
    dWh = np.zeros((hidden, hidden), dtype=dh.dtype)
    db = np.zeros((hidden,), dtype=dh.dtype)
    carry = np.zeros((batch, hidden), dtype=dh.dtype)
    step = steps - 1
    while step >= 0:
        grads = rnn_step_backward(dh[:, step] + carry, cache["steps"][step])
        dx[:, step] = grads[0]
        carry = grads[1]
        dWx = dWx + grads[2]
        dWh = dWh + grads[3]
        db = db + grads[4]
        step -= 1
    dh0 = carry
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
    batch, steps = x.shape
    out = np.empty((batch, steps, W.shape[1]), dtype=W.dtype)
    for n in range(batch):
        for t in range(steps):
            out[n, t] = W[x[n, t]]
    cache = {"indices": x, "vocab_size": W.shape[0]}
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
    indices = cache["indices"]
    batch, steps, dim = dout.shape
    dW = np.zeros((cache["vocab_size"], dim), dtype=dout.dtype)
    for n in range(batch):
        for t in range(steps):
            dW[indices[n, t]] += dout[n, t]
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
    hidden = prev_h.shape[1]
    activations = x @ Wx + prev_h @ Wh + b
    input_gate = sigmoid(activations[:, :hidden])
    forget_gate = sigmoid(activations[:, hidden:2 * hidden])
    output_gate = sigmoid(activations[:, 2 * hidden:3 * hidden])
    candidate = np.tanh(activations[:, 3 * hidden:])
    next_c = forget_gate * prev_c + input_gate * candidate
    squashed_c = np.tanh(next_c)
    next_h = output_gate * squashed_c
    cache = {"x": x, "h_in": prev_h, "c_in": prev_c, "Wx": Wx, "Wh": Wh,
             "gates": (input_gate, forget_gate, output_gate, candidate), "squashed_c": squashed_c}
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
    input_gate, forget_gate, output_gate, candidate = cache["gates"]
    squashed_c = cache["squashed_c"]
    grad_c = dnext_c + dnext_h * output_gate * (1.0 - np.square(squashed_c))
    grad_input_gate = grad_c * candidate * input_gate * (1.0 - input_gate)
    grad_forget_gate = grad_c * cache["c_in"] * forget_gate * (1.0 - forget_gate)
    grad_output_gate = dnext_h * squashed_c * output_gate * (1.0 - output_gate)
    grad_candidate = grad_c * input_gate * (1.0 - np.square(candidate))
    grad_act = np.concatenate([grad_input_gate, grad_forget_gate, grad_output_gate, grad_candidate], axis=1)
    dprev_c = grad_c * forget_gate
    db = grad_act.sum(axis=0)
    dWh = cache["h_in"].T @ grad_act
    dWx = cache["x"].T @ grad_act
    dprev_h = grad_act @ cache["Wh"].T
    dx = grad_act @ cache["Wx"].T
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
    batch, steps, _ = x.shape
    hidden = h0.shape[1]
    states = []
    step_caches = []
    current_h = h0
    current_c = np.zeros((batch, hidden), dtype=h0.dtype)
    for step in range(steps):
        current_h, current_c, step_cache = lstm_step_forward(x[:, step], current_h, current_c, Wx, Wh, b)
        states.append(current_h)
        step_caches.append(step_cache)
    h = np.stack(states, axis=1) if states else np.zeros((batch, 0, hidden), dtype=h0.dtype)
    cache = {"steps": step_caches, "input_dim": x.shape[2]}
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
    batch, steps, hidden = dh.shape
    input_dim = cache["input_dim"]
    dx = np.zeros((batch, steps, input_dim), dtype=dh.dtype)
    dWx = np.zeros((input_dim, 4 * hidden), dtype=dh.dtype)
    dWh = np.zeros((hidden, 4 * hidden), dtype=dh.dtype)
    db = np.zeros((4 * hidden,), dtype=dh.dtype)
    carry_h = np.zeros((batch, hidden), dtype=dh.dtype)
    carry_c = np.zeros((batch, hidden), dtype=dh.dtype)
    step = steps - 1
    while step >= 0:
        grads = lstm_step_backward(dh[:, step] + carry_h, carry_c, cache["steps"][step])
        dx[:, step] = grads[0]
        carry_h, carry_c = grads[1], grads[2]
        dWx = dWx + grads[3]
        dWh = dWh + grads[4]
        db = db + grads[5]
        step -= 1
    dh0 = carry_h
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

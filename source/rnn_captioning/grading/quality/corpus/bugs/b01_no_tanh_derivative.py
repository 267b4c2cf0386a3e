"""I forgot to multiply by the tanh derivative (1 - next_h**2) in rnn_step_backward."""
KIND = "bug"
BASE = "c01_classic_loops"
LOSES = {"rnn_step_backward": "tanh_derivative"}

# ==== rnn_layers.py ====


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dtanh = dnext_h
    dx = np.dot(dtanh, Wx.T)
    dprev_h = np.dot(dtanh, Wh.T)
    dWx = np.dot(x.T, dtanh)
    dWh = np.dot(prev_h.T, dtanh)
    db = np.sum(dtanh, axis=0)
    return dx, dprev_h, dWx, dWh, db

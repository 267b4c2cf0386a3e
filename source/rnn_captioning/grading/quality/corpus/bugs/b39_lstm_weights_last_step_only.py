"""In my hand-written lstm_backward I compute dWx, dWh, db inside the loop and overwrite them each step."""
KIND = "bug"
BASE = "c29_step_forward_manual_backward"
LOSES = {"lstm_backward": "time_accumulation"}

# ==== rnn_layers.py ====


def lstm_backward(dh, cache):
    x, h0, Wx, Wh, h, steps = cache
    N, T, H = h.shape
    dx = np.zeros_like(x)
    dnext_h = np.zeros_like(h0)
    dnext_c = np.zeros_like(h0)
    for t in reversed(range(T)):
        _, prev_h, prev_c, _, _, i, f, o, g, c = steps[t]
        tc = np.tanh(c)
        dh_t = dh[:, t] + dnext_h
        dc = dnext_c + dh_t * o * (1 - tc ** 2)
        da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dh_t * tc * o * (1 - o),
                             dc * i * (1 - g ** 2)], axis=1)
        dx[:, t] = da @ Wx.T
        dWx = x[:, t].T @ da
        dWh = prev_h.T @ da
        db = da.sum(axis=0)
        dnext_c = dc * f
        dnext_h = da @ Wh.T
    return dx, dnext_h, dWx, dWh, db

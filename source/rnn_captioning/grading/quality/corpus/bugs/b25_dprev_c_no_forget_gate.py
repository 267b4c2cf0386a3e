"""In lstm_step_backward I returned dprev_c = dc, forgetting to multiply by the forget gate."""
KIND = "bug"
BASE = "c10_hstack_split"
LOSES = {"lstm_step_backward": "forget_gate_gradient"}

# ==== rnn_layers.py ====


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, (i, f, o, g), next_c = cache
    tanh_c = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    da = np.hstack((dc * g * i * (1 - i),
                    dc * prev_c * f * (1 - f),
                    dnext_h * tanh_c * o * (1 - o),
                    dc * i * (1 - g ** 2)))
    dx = np.dot(da, Wx.T)
    dprev_h = np.dot(da, Wh.T)
    dprev_c = dc
    dWx = np.dot(x.T, da)
    dWh = np.dot(prev_h.T, da)
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db

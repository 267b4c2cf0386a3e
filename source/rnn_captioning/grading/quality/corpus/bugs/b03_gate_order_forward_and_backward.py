"""I split the LSTM activations as i, f, g, o in both the step forward and the step backward (consistent, but not the assignment's i, f, o, g)."""
KIND = "bug"
BASE = "c01_classic_loops"
LOSES = {"lstm_step_forward": "gate_order", "lstm_step_backward": "gate_order"}

# ==== rnn_layers.py ====


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    do = dnext_h * tanh_c
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    dai = dc * g * i * (1 - i)
    daf = dc * prev_c * f * (1 - f)
    dag = dc * i * (1 - g ** 2)
    dao = do * o * (1 - o)
    da = np.concatenate((dai, daf, dag, dao), axis=1)
    dx = np.dot(da, Wx.T)
    dprev_h = np.dot(da, Wh.T)
    dWx = np.dot(x.T, da)
    dWh = np.dot(prev_h.T, da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dc * f, dWx, dWh, db

"""For the output gate I forgot the sigmoid derivative o * (1 - o) in lstm_step_backward."""
KIND = "bug"
BASE = "c17_dot_methods_vocab_loop"
LOSES = {"lstm_step_backward": "sigmoid_derivative"}

# ==== rnn_layers.py ====


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    N, H = prev_h.shape
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc * tc)
    da = np.zeros((N, 4 * H))
    da[:, 3 * H:] = dc * i * (1 - g * g)
    da[:, 2 * H:3 * H] = dnext_h * tc
    da[:, H:2 * H] = dc * prev_c * f * (1 - f)
    da[:, :H] = dc * g * i * (1 - i)
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)

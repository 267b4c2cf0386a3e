"""For the block input g I wrote the tanh derivative as (1 - g) instead of (1 - g**2)."""
KIND = "bug"
BASE = "c19_einsum_no_dtype"
LOSES = {"lstm_step_backward": "tanh_derivative"}

# ==== rnn_layers.py ====


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    N, H = prev_h.shape
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.zeros((N, 4 * H))
    da[:, :H] = dc * g * i * (1 - i)
    da[:, H:2 * H] = dc * prev_c * f * (1 - f)
    da[:, 2 * H:3 * H] = dnext_h * tc * o * (1 - o)
    da[:, 3 * H:] = dc * i * (1 - g)
    dx = np.einsum("ik,jk->ij", da, Wx)
    dprev_h = np.einsum("ik,jk->ij", da, Wh)
    dWx = np.einsum("ij,ik->jk", x, da)
    dWh = np.einsum("ij,ik->jk", prev_h, da)
    return dx, dprev_h, dc * f, dWx, dWh, da.sum(axis=0)

"""My lstm_forward passes a fresh zero cell state to every step instead of the previous step's cell."""
KIND = "bug"
BASE = "c05_einsum"
LOSES = {"lstm_forward": "cell_not_carried", "lstm_backward": "upstream:lstm_forward"}

# ==== rnn_layers.py ====


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    steps = []
    prev_h = h0
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t, :], prev_h, np.zeros_like(h0), Wx, Wh, b)
        h[:, t, :] = prev_h
        steps.append(c)
    return h, (x.shape, steps)

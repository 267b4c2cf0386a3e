"""My forward uses i, f, o, g but in the step backward I concatenated the gate gradients as i, f, g, o."""
KIND = "bug"
BASE = "c03_is_rnn_dict_steps"
LOSES = {"lstm_step_backward": "gate_order"}

# ==== rnn_layers.py ====


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g = cache["i"], cache["f"], cache["o"], cache["g"]
    tanh_c = np.tanh(cache["next_c"])
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    d_i = dc * g * i * (1 - i)
    d_f = dc * cache["prev_c"] * f * (1 - f)
    d_o = dnext_h * tanh_c * o * (1 - o)
    d_g = dc * i * (1 - g ** 2)
    da = np.concatenate([d_i, d_f, d_g, d_o], axis=1)
    dx = da @ cache["Wx"].T
    dprev_h = da @ cache["Wh"].T
    dprev_c = dc * f
    dWx = cache["x"].T @ da
    dWh = cache["prev_h"].T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db

"""lstm_backward adds the upstream dh[:, t] only at the last time step; earlier steps get only the recurrent gradient."""
KIND = "bug"
BASE = "c02_zeros_no_dtype"
LOSES = {"lstm_backward": "dropped_upstream"}

# ==== rnn_layers.py ====


def lstm_backward(dh, cache):
    caches, D = cache
    N, T, H = dh.shape
    dx = np.zeros((N, T, D))
    dprev_h = dh[:, T - 1, :]
    dprev_c = np.zeros((N, H))
    dWx = np.zeros((D, 4 * H))
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    for t in range(T - 1, -1, -1):
        dxt, dprev_h, dprev_c, dWxt, dWht, dbt = lstm_step_backward(dprev_h, dprev_c, caches[t])
        dx[:, t, :] = dxt
        dWx = dWx + dWxt
        dWh = dWh + dWht
        db = db + dbt
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db

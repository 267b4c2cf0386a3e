"""np.squeeze without an axis on the np.split pieces of x: breaks for D=1 in the forward and N=1 in the backward."""
KIND = "bug"
BASE = "c16_squeeze_safe"
LOSES = {"rnn_forward": "squeeze", "rnn_backward": "squeeze"}
SELFCHECK_MISSES = {
    'rnn_forward': "the notebook's inputs have no dimension of size 1",
    'rnn_backward': "the notebook's inputs have no dimension of size 1"}

# ==== rnn_layers.py ====


def rnn_forward(x, h0, Wx, Wh, b):
    T = x.shape[1]
    xs = [np.squeeze(piece) for piece in np.split(x, T, axis=1)]
    hs, cache = [], []
    prev = h0
    for x_t in xs:
        prev, c = rnn_step_forward(x_t, prev, Wx, Wh, b)
        hs.append(prev[:, np.newaxis, :])
        cache.append(c)
    h = np.concatenate(hs, axis=1)
    return h, cache

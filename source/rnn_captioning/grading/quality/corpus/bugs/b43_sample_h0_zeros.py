"""In sample I start from a zero hidden state and never project the image features."""
KIND = "bug"
BASE = "c13_loss_own_step_loop"
LOSES = {"rnn_sample": "h0_not_used", "lstm_sample": "h0_not_used"}

# ==== classifiers/rnn.py ====


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    p = self.params
    h = np.zeros((N, p["Wh"].shape[0]), dtype=p["Wh"].dtype)
    c = np.zeros_like(h)
    w = np.full(N, self._start)
    for t in range(max_length):
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(p["W_embed"][w], h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(p["W_embed"][w], h, c, p["Wx"], p["Wh"], p["b"])
        w = np.argmax(h @ p["W_vocab"] + p["b_vocab"], axis=1)
        captions[:, t] = w
    return captions

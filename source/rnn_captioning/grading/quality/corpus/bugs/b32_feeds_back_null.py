"""In sample I read the previous word from captions[:, t] (still <NULL>) instead of captions[:, t - 1]."""
KIND = "bug"
BASE = "c09_batch_loops"
LOSES = {"rnn_sample": "feedback", "lstm_sample": "feedback"}

# ==== classifiers/rnn.py ====


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    p = self.params
    h, _ = affine_forward(features, p["W_proj"], p["b_proj"])
    c = np.zeros_like(h)
    for t in range(max_length):
        prev = np.full(N, self._start) if t == 0 else captions[:, t]
        x = p["W_embed"][prev]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        scores = h @ p["W_vocab"] + p["b_vocab"]
        captions[:, t] = np.argmax(scores, axis=1)
    return captions

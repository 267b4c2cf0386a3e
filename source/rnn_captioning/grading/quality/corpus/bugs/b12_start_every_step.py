"""I feed the <START> embedding at every step instead of the word chosen at the previous step."""
KIND = "bug"
BASE = "c10_hstack_split"
LOSES = {"rnn_sample": "start_fed_every_step", "lstm_sample": "start_fed_every_step"}

# ==== classifiers/rnn.py ====


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    W_embed = self.params["W_embed"]
    Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    start = np.repeat(self._start, N)
    for t in range(max_length):
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(W_embed[start], h, Wx, Wh, b)
        else:
            h, c, _ = lstm_step_forward(W_embed[start], h, c, Wx, Wh, b)
        scores, _ = affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
        captions[:, t] = scores.argmax(axis=1)
    return captions

"""I write the word generated at step t into column t + 1, so column 0 stays <NULL> and the last word is lost."""
KIND = "bug"
BASE = "c02_zeros_no_dtype"
LOSES = {"rnn_sample": "null_in_column_0", "lstm_sample": "null_in_column_0"}

# ==== classifiers/rnn.py ====


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h = features @ self.params["W_proj"] + self.params["b_proj"]
    c = np.zeros(h.shape)
    words = np.full(N, self._start)
    finished = np.zeros(N, dtype=bool)
    for t in range(max_length - 1):
        x = self.params["W_embed"][words]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores = h @ self.params["W_vocab"] + self.params["b_vocab"]
        words = np.argmax(scores, axis=1)
        captions[:, t + 1] = np.where(finished, self._null, words)
        finished = finished | (words == self._end)
    return captions

"""My sample puts <START> in column 0 and the generated words after it."""
KIND = "bug"
BASE = "c01_classic_loops"
LOSES = {"rnn_sample": "start_in_column_0", "lstm_sample": "start_in_column_0"}

# ==== classifiers/rnn.py ====


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
    W_embed = self.params["W_embed"]
    Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
    W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

    prev_h = np.dot(features, W_proj) + b_proj
    prev_c = np.zeros_like(prev_h)
    captions[:, 0] = self._start
    for t in range(1, max_length):
        x = W_embed[captions[:, t - 1]]
        if self.cell_type == "rnn":
            prev_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
        else:
            prev_h, prev_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
        scores = np.dot(prev_h, W_vocab) + b_vocab
        captions[:, t] = np.argmax(scores, axis=1)
    return captions

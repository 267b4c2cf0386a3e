"""In sample I squeeze the (N, 1, V) scores from temporal_affine_forward; with one image (N=1) argmax(axis=1) breaks."""
KIND = "bug"
BASE = "c06_vectorized_composites"
LOSES = {"rnn_sample": "squeeze", "lstm_sample": "squeeze"}
SELFCHECK_MISSES = {
    'rnn_sample': 'the notebook samples 4 images: only N=1 shows it',
    'lstm_sample': 'the notebook samples 4 images: only N=1 shows it'}

# ==== classifiers/rnn.py ====


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    word = np.full((N, 1), self._start)
    for t in range(max_length):
        x, _ = word_embedding_forward(word, self.params["W_embed"])     # (N, 1, W)
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x[:, 0, :], h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x[:, 0, :], h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores, _ = temporal_affine_forward(h[:, None, :], self.params["W_vocab"], self.params["b_vocab"])
        scores = np.squeeze(scores)                                      # (N, V)
        word = np.argmax(scores, axis=1)[:, None]
        captions[:, t] = word[:, 0]
    return captions

"""In sample I np.squeeze the (N, 1, W) embedding; with word vectors of size W=1 it becomes (N,) and the step breaks."""
KIND = "bug"
BASE = "c16_squeeze_safe"
LOSES = {"rnn_sample": "squeeze", "lstm_sample": "squeeze"}
SELFCHECK_MISSES = {
    'rnn_sample': "the notebook's model has W=5: only W=1 shows it",
    'lstm_sample': "the notebook's model has W=5: only W=1 shows it"}

# ==== classifiers/rnn.py ====


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    h, _ = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    c = np.zeros_like(h)
    word = np.full((N, 1), self._start)
    for t in range(max_length):
        x, _ = word_embedding_forward(word, self.params["W_embed"])   # (N, 1, W)
        x = np.squeeze(x)
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        scores, _ = temporal_affine_forward(h[:, None, :], self.params["W_vocab"], self.params["b_vocab"])
        word = np.argmax(np.squeeze(scores, axis=1), axis=1)[:, None]
        captions[:, t] = word[:, 0]
    return captions

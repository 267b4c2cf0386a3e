"""My sample loop runs max_length - 1 steps (I counted <START> as a word), so the last column stays <NULL>; captions that end early hide it."""
KIND = "bug"
BASE = "c05_einsum"
LOSES = {"rnn_sample": "off_by_one", "lstm_sample": "off_by_one"}

# ==== classifiers/rnn.py ====


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    P = self.params
    for n in range(N):
        h = features[n:n + 1] @ P["W_proj"] + P["b_proj"]
        c = np.zeros_like(h)
        word = self._start
        for t in range(max_length - 1):
            x = P["W_embed"][[word]]
            if self.cell_type == "rnn":
                h, _ = rnn_step_forward(x, h, P["Wx"], P["Wh"], P["b"])
            else:
                h, c, _ = lstm_step_forward(x, h, c, P["Wx"], P["Wh"], P["b"])
            scores = h @ P["W_vocab"] + P["b_vocab"]
            word = int(np.argmax(scores[0]))
            captions[n, t] = word
    return captions

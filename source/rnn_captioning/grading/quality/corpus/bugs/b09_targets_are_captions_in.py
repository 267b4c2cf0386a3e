"""I passed captions_in as the softmax targets, so the model learns to repeat the current word instead of predicting the next."""
KIND = "bug"
BASE = "c02_zeros_no_dtype"
LOSES = {"rnn_loss": "captions_in", "lstm_loss": "captions_in"}

# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
    W_embed = self.params["W_embed"]
    Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
    W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

    loss, grads = 0.0, {}
    h0 = features @ W_proj + b_proj
    x, embed_cache = word_embedding_forward(captions_in, W_embed)
    if self.cell_type == "rnn":
        h, rnn_cache = rnn_forward(x, h0, Wx, Wh, b)
    elif self.cell_type == "lstm":
        h, rnn_cache = lstm_forward(x, h0, Wx, Wh, b)
    scores, vocab_cache = temporal_affine_forward(h, W_vocab, b_vocab)
    loss, dscores = temporal_softmax_loss(scores, captions_in, mask)

    dh, dW_vocab, db_vocab = temporal_affine_backward(dscores, vocab_cache)
    if self.cell_type == "rnn":
        dx, dh0, dWx, dWh, db = rnn_backward(dh, rnn_cache)
    elif self.cell_type == "lstm":
        dx, dh0, dWx, dWh, db = lstm_backward(dh, rnn_cache)
    dW_embed = word_embedding_backward(dx, embed_cache)
    grads["W_proj"] = features.T @ dh0
    grads["b_proj"] = dh0.sum(axis=0)
    grads["W_embed"] = dW_embed
    grads["Wx"] = dWx
    grads["Wh"] = dWh
    grads["b"] = db
    grads["W_vocab"] = dW_vocab
    grads["b_vocab"] = db_vocab
    return loss, grads

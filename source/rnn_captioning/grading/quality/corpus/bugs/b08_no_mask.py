"""I did not use the mask: every step counts, also the <NULL> padding after <END>."""
KIND = "bug"
BASE = "c01_classic_loops"
LOSES = {"rnn_loss": "mask", "lstm_loss": "mask"}

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
    h0, cache_proj = affine_forward(features, W_proj, b_proj)
    x, cache_embed = word_embedding_forward(captions_in, W_embed)
    if self.cell_type == "rnn":
        h, cache_rnn = rnn_forward(x, h0, Wx, Wh, b)
    else:
        h, cache_rnn = lstm_forward(x, h0, Wx, Wh, b)
    scores, cache_vocab = temporal_affine_forward(h, W_vocab, b_vocab)
    loss, dscores = temporal_softmax_loss(scores, captions_out, np.ones_like(mask))

    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cache_vocab)
    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache_rnn)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cache_rnn)
    grads["W_embed"] = word_embedding_backward(dx, cache_embed)
    dfeatures, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_proj)
    return loss, grads

"""I only took dW_proj from affine_backward and never put b_proj into grads."""
KIND = "bug"
BASE = "c04_handwritten_stable"
LOSES = {"rnn_loss": "missing_gradient", "lstm_loss": "missing_gradient"}

# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    if self.cell_type == "rnn":
        fwd, bwd = rnn_forward, rnn_backward
    else:
        fwd, bwd = lstm_forward, lstm_backward
    h0, c0 = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    we, c1 = word_embedding_forward(captions_in, self.params["W_embed"])
    hs, c2 = fwd(we, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    sc, c3 = temporal_affine_forward(hs, self.params["W_vocab"], self.params["b_vocab"])
    loss, dsc = temporal_softmax_loss(sc, captions_out, mask)
    dhs, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dsc, c3)
    dwe, dh0, grads["Wx"], grads["Wh"], grads["b"] = bwd(dhs, c2)
    grads["W_embed"] = word_embedding_backward(dwe, c1)
    _, grads["W_proj"], _ = affine_backward(dh0, c0)
    return loss, grads

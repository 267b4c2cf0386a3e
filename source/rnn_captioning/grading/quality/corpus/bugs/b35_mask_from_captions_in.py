"""I built the mask from captions_in instead of captions_out, so the step right after <END> still counts."""
KIND = "bug"
BASE = "c11_sample_stops_at_end"
LOSES = {"rnn_loss": "mask", "lstm_loss": "mask"}

# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_in != self._null

    loss, grads = 0.0, {}
    h0, cp = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    x, ce = word_embedding_forward(captions_in, self.params["W_embed"])
    run = {"rnn": rnn_forward, "lstm": lstm_forward}[self.cell_type]
    back = {"rnn": rnn_backward, "lstm": lstm_backward}[self.cell_type]
    h, cc = run(x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, cv = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cv)
    dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = back(dh, cc)
    grads["W_embed"] = word_embedding_backward(dx, ce)
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cp)
    return loss, grads

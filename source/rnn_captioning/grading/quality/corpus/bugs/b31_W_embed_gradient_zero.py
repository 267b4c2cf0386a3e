"""I set grads['W_embed'] to zeros as a placeholder and never came back to it."""
KIND = "bug"
BASE = "c14_loss_affine_per_step"
LOSES = {"rnn_loss": "missing_gradient", "lstm_loss": "missing_gradient"}

# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    p = self.params
    h0, cache_p = affine_forward(features, p["W_proj"], p["b_proj"])
    x, cache_e = word_embedding_forward(captions_in, p["W_embed"])
    if self.cell_type == "rnn":
        h, cache_c = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    else:
        h, cache_c = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])

    T = captions_in.shape[1]
    dh = np.zeros_like(h)
    grads["W_vocab"] = np.zeros_like(p["W_vocab"])
    grads["b_vocab"] = np.zeros_like(p["b_vocab"])
    for t in range(T):
        s_t, cache_t = temporal_affine_forward(h[:, t:t + 1, :], p["W_vocab"], p["b_vocab"])
        loss_t, ds_t = temporal_softmax_loss(s_t, captions_out[:, t:t + 1], mask[:, t:t + 1])
        loss += loss_t
        dh_t, dW_t, db_t = temporal_affine_backward(ds_t, cache_t)
        dh[:, t:t + 1, :] = dh_t
        grads["W_vocab"] += dW_t
        grads["b_vocab"] += db_t

    if self.cell_type == "rnn":
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, cache_c)
    else:
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, cache_c)
    grads["W_embed"] = np.zeros_like(p["W_embed"])      # TODO
    _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_p)
    return loss, grads

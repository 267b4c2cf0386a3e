"""I divided the loss by the batch size again (temporal_softmax_loss already averages); the gradients are left as they are."""
KIND = "bug"
BASE = "c20_reordered_ops"
LOSES = {"rnn_loss": "loss_scale", "lstm_loss": "loss_scale"}

# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    x, emb_cache = word_embedding_forward(captions_in, self.params["W_embed"])
    h0, proj_cache = affine_forward(features, self.params["W_proj"], self.params["b_proj"])
    cell = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward)}[self.cell_type]
    h, cell_cache = cell[0](x, h0, self.params["Wx"], self.params["Wh"], self.params["b"])
    scores, voc_cache = temporal_affine_forward(h, self.params["W_vocab"], self.params["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    loss = loss / captions.shape[0]

    dh, dW_vocab, db_vocab = temporal_affine_backward(dscores, voc_cache)
    dx, dh0, dWx, dWh, db = cell[1](dh, cell_cache)
    _, dW_proj, db_proj = affine_backward(dh0, proj_cache)
    dW_embed = word_embedding_backward(dx, emb_cache)
    grads["b_vocab"], grads["W_vocab"] = db_vocab, dW_vocab
    grads["b"], grads["Wh"], grads["Wx"] = db, dWh, dWx
    grads["W_embed"] = dW_embed
    grads["b_proj"], grads["W_proj"] = db_proj, dW_proj
    return loss, grads

"""dW[x] = dout in the embedding backward (assignment): repeated words keep only their last gradient."""
KIND = "bug"
BASE = "c14_loss_affine_per_step"
LOSES = {"word_embedding_backward": "repeated_words"}

# ==== rnn_layers.py ====


def word_embedding_backward(dout, cache):
    x, shape, dtype = cache
    dW = np.zeros(shape, dtype=dtype)
    dW[x] = dout
    return dW

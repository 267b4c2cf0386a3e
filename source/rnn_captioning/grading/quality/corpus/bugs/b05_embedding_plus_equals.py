"""dW[x] += dout in the embedding backward: a word used several times only gets one of its gradients."""
KIND = "bug"
BASE = "c06_vectorized_composites"
LOSES = {"word_embedding_backward": "repeated_words"}

# ==== rnn_layers.py ====


def word_embedding_backward(dout, cache):
    x, V = cache
    D = dout.shape[-1]
    dW = np.zeros((V, D), dtype=dout.dtype)
    dW[x] += dout
    return dW

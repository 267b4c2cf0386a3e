"""An image-captioning model: image features set the initial hidden state of
a recurrent network (vanilla RNN or LSTM), which then predicts the caption one
word at a time."""
import numpy as np

from ..layers import affine_forward, affine_backward
from ..rnn_layers import (
    rnn_forward, rnn_backward, rnn_step_forward,
    lstm_forward, lstm_backward, lstm_step_forward,
    word_embedding_forward, word_embedding_backward,
    temporal_affine_forward, temporal_affine_backward,
    temporal_softmax_loss,
)


class CaptioningRNN:
    """Captioning model.

    Sizes: N captions per minibatch, image features of dimension D, word
    vectors of dimension W, hidden state of dimension H, vocabulary of size V,
    captions of length T. The model has no regularization.

    Parameters (self.params):
    - W_proj (D, H), b_proj (H,): image features to the initial hidden state
    - W_embed (V, W): word vectors
    - Wx (W, H) or (W, 4H), Wh (H, H) or (H, 4H), b (H,) or (4H,): the cell
    - W_vocab (H, V), b_vocab (V,): hidden state to word scores
    """

    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128,
                 hidden_dim=128, cell_type="rnn", dtype=np.float32):
        """
        Inputs:
        - word_to_idx: dict from each of the V words to an index in [0, V)
        - input_dim: D, dimension of the image features
        - wordvec_dim: W, dimension of the word vectors
        - hidden_dim: H, dimension of the hidden state
        - cell_type: 'rnn' or 'lstm'
        - dtype: dtype of every parameter; float32 to train, float64 to check gradients
        """
        if cell_type not in {"rnn", "lstm"}:
            raise ValueError('Invalid cell_type "%s"' % cell_type)
        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.params = {}

        vocab_size = len(word_to_idx)
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        gate_dim = {"rnn": 1, "lstm": 4}[cell_type] * hidden_dim
        D, W, H, V = input_dim, wordvec_dim, hidden_dim, vocab_size
        # Scaled Gaussian initialisation keeps the initial activations of order one.
        self.params["W_embed"] = np.random.randn(V, W) / 100
        self.params["W_proj"] = np.random.randn(D, H) / np.sqrt(D)
        self.params["b_proj"] = np.zeros(H)
        self.params["Wx"] = np.random.randn(W, gate_dim) / np.sqrt(W)
        self.params["Wh"] = np.random.randn(H, gate_dim) / np.sqrt(H)
        self.params["b"] = np.zeros(gate_dim)
        self.params["W_vocab"] = np.random.randn(H, V) / np.sqrt(H)
        self.params["b_vocab"] = np.zeros(V)
        for name, value in self.params.items():
            self.params[name] = value.astype(self.dtype)

    def loss(self, features, captions):
        """Training loss and gradients for one minibatch.

        The caption is split into the model's input, all words but the last
        (starting with <START>), and its target, all words but the first: at
        step t the model sees word t and must predict word t + 1. Steps whose
        target is <NULL> are padding and do not count.

        Inputs:
        - features: image features, (N, D)
        - captions: ground-truth word indices, (N, T), each in [0, V)

        Returns a tuple of:
        - loss: scalar
        - grads: dict with the same keys as self.params, each gradient shaped
          like its parameter
        """
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self._null

        loss, grads = 0.0, {}
        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        # forward pass
        h0, cache_proj = affine_forward(features, W_proj, b_proj)
        emb, cache_emb = word_embedding_forward(captions_in, W_embed)
        if self.cell_type == "rnn":
            hs, cache_seq = rnn_forward(emb, h0, Wx, Wh, b)
        else:
            hs, cache_seq = lstm_forward(emb, h0, Wx, Wh, b)
        scores, cache_scores = temporal_affine_forward(hs, W_vocab, b_vocab)
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

        # backward pass
        dhs, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, cache_scores)
        if self.cell_type == "rnn":
            demb, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dhs, cache_seq)
        else:
            demb, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dhs, cache_seq)
        grads["W_embed"] = word_embedding_backward(demb, cache_emb)
        _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, cache_proj)
        return loss, grads


    def sample(self, features, max_length=30):
        """Greedy decoding: at every step feed back the highest-scoring word.

        The first input is <START> and the initial hidden state is the
        projected image feature. Decoding runs for max_length steps, also past
        <END>; decode_captions stops reading at <END>.

        Inputs:
        - features: image features, (N, D)
        - max_length: number of words to generate

        Returns:
        - captions: int32 word indices, (N, max_length); column 0 holds the
          first generated word (not <START>)
        """
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)
        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        prev_h = np.dot(features, W_proj) + b_proj
        prev_c = np.zeros_like(prev_h)
        words = np.full(N, self._start, dtype=np.int32)
        for t in range(max_length):
            x = W_embed[words]
            if self.cell_type == "rnn":
                prev_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
            else:
                prev_h, prev_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
            scores = np.dot(prev_h, W_vocab) + b_vocab
            words = np.argmax(scores, axis=1)
            captions[:, t] = words
        return captions

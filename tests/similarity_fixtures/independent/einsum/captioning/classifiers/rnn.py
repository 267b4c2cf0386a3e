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
        P = self.params
        fwd, bwd = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward)}[self.cell_type]
        init = np.einsum("nd,dh->nh", features, P["W_proj"]) + P["b_proj"]
        emb, ec = word_embedding_forward(captions_in, P["W_embed"])
        hid, rc = fwd(emb, init, P["Wx"], P["Wh"], P["b"])
        logits, ac = temporal_affine_forward(hid, P["W_vocab"], P["b_vocab"])
        loss, dlogits = temporal_softmax_loss(logits, captions_out, mask)
        dhid, dWv, dbv = temporal_affine_backward(dlogits, ac)
        demb, dinit, dWx, dWh, db = bwd(dhid, rc)
        grads = dict(W_vocab=dWv, b_vocab=dbv, Wx=dWx, Wh=dWh, b=db,
                     W_embed=word_embedding_backward(demb, ec),
                     W_proj=np.einsum("nd,nh->dh", features, dinit), b_proj=dinit.sum(0))
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
        P = self.params
        state = np.einsum("nd,dh->nh", features, P["W_proj"]) + P["b_proj"]
        cell = np.zeros_like(state)
        tok = np.repeat(self._start, N)
        for k in range(max_length):
            inp = np.take(P["W_embed"], tok, axis=0)
            if self.cell_type == "lstm":
                state, cell, _ = lstm_step_forward(inp, state, cell, P["Wx"], P["Wh"], P["b"])
            else:
                state, _ = rnn_step_forward(inp, state, P["Wx"], P["Wh"], P["b"])
            tok = np.argmax(np.einsum("nh,hv->nv", state, P["W_vocab"]) + P["b_vocab"], axis=1)
            captions[:, k] = tok
        return captions

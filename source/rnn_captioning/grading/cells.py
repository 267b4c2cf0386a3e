"""The two recurrent cells, in one table, and the reference's greedy decoding.

The checks, the cases and the mistake models ask here what a cell type means
(its gates, whether it carries a cell state, its layer functions) and decode
through `greedy_decode`, so the decoding the sample checks compare with and
the one the mistakes are modelled on are the same code.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Cell:
    name: str
    gates: int             # blocks of H columns in Wx, Wh and b
    carries_cell: bool     # an LSTM carries a cell state c beside h
    step: str              # the layers module's step forward
    forward: str           # and its whole-sequence forward

    def step_forward(self, layers, x, h, c, Wx, Wh, b):
        """(next h, next c) of one step; c is passed through untouched by a cell without one."""
        if self.carries_cell:
            h, c, _ = getattr(layers, self.step)(x, h, c, Wx, Wh, b)
        else:
            h, _ = getattr(layers, self.step)(x, h, Wx, Wh, b)
        return h, c


CELLS = {"rnn": Cell("rnn", 1, False, "rnn_step_forward", "rnn_forward"),
         "lstm": Cell("lstm", 4, True, "lstm_step_forward", "lstm_forward")}


def greedy_decode(layers, case, feed="previous", reset_cell=False, zero_state=False):
    """(captions (N, max_length), smallest best-minus-second word score) of greedy decoding
    with the reference's layers on a sampling case, optionally with one piece changed:
    what is fed back (`feed`: "previous", "start" or "null"), whether the LSTM cell is
    reset every step, whether the hidden state starts at zero instead of the projection."""
    cell = CELLS[case["cell_type"]]
    p = {k: np.asarray(v, dtype=np.float64) for k, v in case["params"].items()}
    features = np.asarray(case["features"], dtype=np.float64)
    vocab = case["word_to_idx"]
    N = features.shape[0]
    h = np.zeros((N, p["Wh"].shape[0])) if zero_state else features @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    word = np.full(N, vocab["<START>"])
    captions = np.full((N, case["max_length"]), vocab["<NULL>"])
    margin = np.inf
    for t in range(case["max_length"]):
        h, c = cell.step_forward(layers, p["W_embed"][word], h, np.zeros_like(c) if reset_cell else c,
                                 p["Wx"], p["Wh"], p["b"])
        scores = h @ p["W_vocab"] + p["b_vocab"]
        if scores.shape[1] > 1:
            top = np.sort(scores, axis=1)
            margin = min(margin, float(np.min(top[:, -1] - top[:, -2])))
        chosen = scores.argmax(axis=1)
        captions[:, t] = chosen
        word = {"previous": chosen, "start": np.full(N, vocab["<START>"]),
                "null": np.full(N, vocab["<NULL>"])}[feed]
    return captions, margin

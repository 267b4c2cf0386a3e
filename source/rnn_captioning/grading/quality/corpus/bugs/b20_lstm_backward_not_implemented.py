"""I ran out of time: lstm_backward still raises NotImplementedError."""
KIND = "bug"
BASE = "c01_classic_loops"
LOSES = {"lstm_backward": "not_implemented", "lstm_loss": "upstream:lstm_backward",
         "overfit_lstm": "upstream:lstm_backward"}

# ==== rnn_layers.py ====


def lstm_backward(dh, cache):
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # TODO: implement lstm_backward (its docstring gives the inputs, outputs and shapes).
    raise NotImplementedError("lstm_backward is not implemented yet")

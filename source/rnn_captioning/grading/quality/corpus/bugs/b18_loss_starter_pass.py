"""I never wrote CaptioningRNN.loss: the starter's `pass` returns loss 0.0 and empty grads."""
KIND = "bug"
BASE = "c07_dict_caches"
LOSES = {"rnn_loss": "starter_value", "lstm_loss": "starter_value", "overfit_rnn": "starter_value",
         "overfit_lstm": "starter_value"}

# ==== classifiers/rnn.py ====


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != self._null

    loss, grads = 0.0, {}
    ############################################################################
    # TODO: Implement the forward and backward passes for the CaptioningRNN.   #
    ############################################################################
    pass
    ############################################################################
    #                             END OF YOUR CODE                             #
    ############################################################################
    return loss, grads

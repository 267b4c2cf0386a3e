"""I never wrote CaptioningRNN.sample: the starter returns the all-<NULL> captions."""
KIND = "bug"
BASE = "c08_lists_np_array"
LOSES = {"rnn_sample": "starter_value", "lstm_sample": "starter_value"}

# ==== classifiers/rnn.py ====


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)

    ###########################################################################
    # TODO: Implement test-time sampling for the model.                       #
    ###########################################################################
    pass
    ############################################################################
    #                             END OF YOUR CODE                             #
    ############################################################################
    return captions

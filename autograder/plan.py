"""Which checks each automatic part has. The hidden check modules, the runner
(which fills in a row for any check that did not run) and the reports all
read the check titles from here."""

SEED = "seeds' fixed inputs"
VARIED = "hidden inputs, varied shapes (float64)"
FLOAT32 = "hidden inputs in float32"
NUMERIC = "numeric gradient of your own forward"
REPEATED = "repeated words accumulate"
MODEL_SEED = "seeds' fixed model: loss"
MODEL_HIDDEN = "hidden models: loss and gradients"
MODEL_MASK = "padding (<NULL>) steps are ignored"
SAMPLE_SEED = "seeds' fixed model"
SAMPLE_HIDDEN = "hidden models, varied sizes"
SAMPLE_FLOAT32 = "float32 model"
OVERFIT = "final training loss below the threshold"

FORWARD_PARTS = ["rnn_step_forward", "rnn_forward", "word_embedding_forward",
                 "lstm_step_forward", "lstm_forward"]
BACKWARD_PARTS = ["rnn_step_backward", "rnn_backward", "word_embedding_backward",
                  "lstm_step_backward", "lstm_backward"]
LOSS_PARTS = {"rnn_loss": "rnn", "lstm_loss": "lstm"}
SAMPLE_PARTS = {"rnn_sample": "rnn", "lstm_sample": "lstm"}
OVERFIT_PARTS = {"overfit_rnn": "rnn", "overfit_lstm": "lstm"}


def planned_checks(part_id):
    if part_id in FORWARD_PARTS:
        return [SEED, VARIED, FLOAT32]
    if part_id == "word_embedding_backward":
        return [SEED, VARIED, NUMERIC, FLOAT32, REPEATED]
    if part_id in BACKWARD_PARTS:
        return [SEED, VARIED, NUMERIC, FLOAT32]
    if part_id in LOSS_PARTS:
        return [MODEL_SEED, MODEL_HIDDEN, MODEL_MASK]
    if part_id in SAMPLE_PARTS:
        return [SAMPLE_SEED, SAMPLE_HIDDEN, SAMPLE_FLOAT32]
    if part_id in OVERFIT_PARTS:
        return [OVERFIT]
    raise KeyError("no checks planned for part %r" % part_id)

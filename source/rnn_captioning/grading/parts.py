"""Which checks each automatic part of rubric.json has: the assignment's registry."""
from . import layer_checks, model_checks, overfit_check

FORWARD_PARTS = ["rnn_step_forward", "rnn_forward", "word_embedding_forward",
                 "lstm_step_forward", "lstm_forward"]
BACKWARD_PARTS = ["rnn_step_backward", "rnn_backward", "word_embedding_backward",
                  "lstm_step_backward", "lstm_backward"]
LOSS_PARTS = {"rnn_loss": "rnn", "lstm_loss": "lstm"}
SAMPLE_PARTS = {"rnn_sample": "rnn", "lstm_sample": "lstm"}
OVERFIT_PARTS = {"overfit_rnn": "rnn", "overfit_lstm": "lstm"}


def declare(assignment):
    """{part id: [Check, ...]} for every automatic part."""
    checks = {}
    for part in FORWARD_PARTS:
        checks[part] = layer_checks.forward_checks(part)
    for part in BACKWARD_PARTS:
        checks[part] = layer_checks.backward_checks(part)
    for part, cell_type in LOSS_PARTS.items():
        checks[part] = model_checks.loss_checks(cell_type)
    for part, cell_type in SAMPLE_PARTS.items():
        checks[part] = model_checks.sample_checks(cell_type)
    for part, cell_type in OVERFIT_PARTS.items():
        checks[part] = overfit_check.overfit_checks(cell_type)
    return checks

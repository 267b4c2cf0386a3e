"""Which checks each automatic part of rubric.json has: the assignment's registry."""
from . import cases, layer_checks, model_checks, overfit_check

# Every layer function of the notebook's signatures (captioning/check_data.py) is graded.
FORWARD_PARTS = [part for part, (_, backward) in cases.LAYER_PARTS.items() if not backward]
BACKWARD_PARTS = [part for part, (_, backward) in cases.LAYER_PARTS.items() if backward]
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

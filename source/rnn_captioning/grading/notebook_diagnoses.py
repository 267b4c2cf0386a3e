"""The typical mistakes' results on the notebook's own inputs, for the notebook's checks.

The mistakes are modelled once, here on the trusted side (mistakes.py), with
the reference's building blocks. The notebooks' checks and `selfcheck.py`
cannot run those models, so the build evaluates them on the notebook's inputs
and writes the results into the package (captioning/notebook_diagnoses.json,
read by check_data.NOTEBOOK_DIAGNOSES). Then a check that fails on those
inputs names the mistake with the grader's words. Nothing in the file is
hidden: the inputs are the notebook's, and the values are wrong answers, plus
the right gradients on those inputs (as the notebook publishes the right
forward answers).
"""
import json

import numpy as np

from . import cases, layer_checks, mistakes, model_checks

FILE = "notebook_diagnoses.json"


# Significant digits kept: two machines' BLAS can differ in a result's last bit, and the
# build must write the same file on both; 12 digits are far inside every notebook tolerance.
DIGITS = 12


def _plain(value):
    """Nested lists of floats, rounded to DIGITS significant digits, or ints."""
    array = np.asarray(value)
    if array.dtype.kind != "f":
        return array.tolist()
    return _rounded(array.astype(np.float64).tolist())


def _rounded(value):
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return float("%.*g" % (DIGITS, value)) if isinstance(value, float) else value


def compute(ref):
    """{"layers": {part: {"expected": [...], "mistakes": [[hint id, [...]], ...]}},
    "loss": {cell: {"mistakes": [[hint id, loss]]}}, "sample": {cell: {"mistakes": [[hint id, captions]]}}}."""
    check_data = ref.module("check_data")
    found = {"layers": {}, "loss": {}, "sample": {}}
    for part, make_case in check_data.NOTEBOOK_CASES.items():
        with cases.GLOBAL_RNG:
            case = make_case()
        spec, backward = cases.LAYER_PARTS[part]
        expected = layer_checks.reference_results(ref, spec, case, backward)
        found["layers"][part] = {
            "expected": [_plain(value) for value in expected],
            "mistakes": [[hint_id, [_plain(value) for value in values]]
                         for hint_id, values in mistakes.layer_mistake_results(ref, part, case)]}
    model_class = ref.module("classifiers.rnn").CaptioningRNN
    for cell in ("rnn", "lstm"):
        case = model_checks.seed_loss_case(ref, cell)
        found["loss"][cell] = {"mistakes": [[hint_id, _rounded(float(mistakes.loss_with(ref, case, model_class,
                                                                                       **change)))]
                                            for hint_id, change in mistakes.LOSS_MISTAKES]}
        case = model_checks.seed_sample_case(ref, cell)
        found["sample"][cell] = {"mistakes": [[hint_id, _plain(captions)] for hint_id, captions
                                              in mistakes.sample_mistake_results(ref, case)]}
    return found


def text(ref):
    """The file's text: one line per part, so that a change reads as a diff of that part."""
    found = compute(ref)
    lines = []
    for section in ("layers", "loss", "sample"):
        entries = ['    %s: %s' % (json.dumps(key), json.dumps(value)) for key, value in found[section].items()]
        lines.append('  %s: {\n%s\n  }' % (json.dumps(section), ",\n".join(entries)))
    return "{\n" + ",\n".join(lines) + "\n}\n"

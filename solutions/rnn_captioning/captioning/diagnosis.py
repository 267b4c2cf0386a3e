"""What a failing check says: the catalogue of mistakes and the diagnoses,
defined once. The notebooks' checks, `selfcheck.py` and the autograder all
word their messages with these functions, so the same mistake reads the same
everywhere. Nothing here is secret.
"""
import re

import numpy as np

# The catalogue: a mistake's id -> what to tell the student. {fields} are filled in.
HINTS = {
    "not_implemented": "not implemented yet: it raises NotImplementedError",
    "returns_none": "not implemented yet: it returns None, the starter code's value",
    "starter_value": "not implemented yet: it returns the starter code's value ({what})",
    "import_error": "the file cannot be imported",
    "missing_tanh": "the result is the pre-activation itself: apply the tanh nonlinearity",
    "unstable_tanh": ("NaN or inf appear when pre-activations are large (|a| around 50): a hand-written tanh or "
                      "sigmoid such as (1 - exp(-2a)) / (1 + exp(-2a)) overflows; use np.tanh, or "
                      "exponentiate only -|a|"),
    "missing_bias": "the result is what you get without the bias b: add b to the pre-activation",
    "tanh_derivative": ("the gradients are those without a tanh derivative: a tanh's gradient is multiplied by "
                        "1 - tanh(a)**2 (the forward pass already computed tanh(a))"),
    "sigmoid_derivative": "a sigmoid's gradient is multiplied by s * (1 - s), where s is the gate's value",
    "gate_order": ("the gates are split in another order: the 4H columns of the activation are, in this order, "
                   "the input gate i, the forget gate f, the output gate o and the block input g"),
    "forget_gate_gradient": "the gradient reaching prev_c is the cell's gradient times the forget gate f",
    "no_recurrence": "every step starts from h0: each step must start from the previous step's hidden state",
    "h0_not_used": "the first step does not start from h0 (the given initial hidden state)",
    "cell_not_carried": "the cell state is reset at every step: carry next_c from each step to the next",
    "time_accumulation": ("the weight gradients hold only part of the steps: Wx, Wh and b are shared by every "
                          "step, so their gradients add up over time"),
    "dropped_upstream": ("a gradient is lost on the way back: at step t the hidden state receives dh[:, t] plus "
                         "the gradient flowing back from step t + 1"),
    "repeated_words": ("a word used several times must receive the sum of its gradients; with dW[x] += dout "
                       "repeated indices overwrite each other: use np.add.at"),
    "mask": ("steps whose target is <NULL> are padding and must not count: mask = (captions_out != <NULL>), "
             "passed to temporal_softmax_loss"),
    "captions_in": ("the model reads captions_in = captions[:, :-1] (it starts with <START>) and is scored "
                    "against captions_out = captions[:, 1:]"),
    "missing_gradient": "{name} is missing or zero: every parameter needs its gradient",
    "loss_scale": "the loss is off by a constant factor: temporal_softmax_loss already averages over the minibatch",
    "start_in_column_0": "column 0 holds <START>: it must hold the first generated word",
    "null_in_column_0": "column 0 holds <NULL> and the words start one column late: column 0 holds the first generated word",
    "start_fed_every_step": "every step is fed <START>: feed back the word chosen at the previous step",
    "feedback": ("the first words match, then they differ: check what is fed back at each step (the previous "
                 "step's highest-scoring word) and how the hidden state is carried"),
    "off_by_one": "the last word is missing: generate max_length words",
    "squeeze": ("it fails when a dimension is 1 (N=1, T=1, W=1, ...): np.squeeze without an axis removes that "
                "dimension as well; give it an axis, or index instead"),
    "integer_division": "a slice index is a float: in Python 3, H4 / 4 is a float; use H4 // 4",
    "wrong_shape": "{label} has shape {got}, expected {expected}",
    "transpose": "{label} has shape {got}: the transpose of the expected {expected}",
    "transpose_error": "two arrays of transposed shapes meet: check which way round each matrix is (D x H or H x D)",
    "time_major": "{label} has shape {got}: time comes first, but the expected shape is {expected} (N, T, ...)",
    "lower_precision": ("{label} has dtype {dtype}, a lower precision than the {inputs} inputs: compute in the "
                        "inputs' precision (or a higher one)"),
    "nan": "{label} contains NaN or inf",
    "overfit_threshold": "the final training loss is {loss:.4g}; it must be below {threshold:g}",
}

# Functions the assignment provides inside the graded files: a traceback that ends in
# one of them is reported at the student's line that called it.
PROVIDED_FUNCTIONS = ("temporal_affine_forward", "temporal_affine_backward", "temporal_softmax_loss",
                      "sigmoid", "__init__", "affine_forward", "affine_backward")
GRADED_FILES = ("rnn_layers.py", "rnn.py")


def hint(hint_id, **fields):
    return HINTS[hint_id].format(**fields)


# ---------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------

FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)\n(?:\s+(?P<code>.+))?')


def _frames(traceback_text):
    return [m.groupdict() for m in FRAME.finditer(traceback_text or "")]


SHAPES = re.compile(r"\((\d+),\s*(\d+)\)")
# Errors numpy raises when an array has fewer dimensions than the code expects.
DIMENSION_ERRORS = ("AxisError", "out of bounds for array of dimension", "not have enough dimensions",
                    "too many indices", "tuple index out of range", "0-d", "could not be broadcast",
                    "mismatch in its core dimension", "not aligned", "cannot reshape")


def error_finding(traceback_text, unit_dimension=False):
    """(message, hint id or None) for a student's traceback (text as Python prints it).

    The message is the error's last line, and where in the student's own code
    it happened: the line of a graded function, or the line that called the
    provided function it happened in. unit_dimension: the inputs had a
    dimension of size 1 (N=1, T=1, ...), where np.squeeze bites."""
    lines = [line for line in (traceback_text or "").strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else "unknown error"
    if "NotImplementedError" in last:
        return hint("not_implemented"), "not_implemented"
    if " is None (not computed)" in last:
        return hint("returns_none"), "returns_none"
    frames = [f for f in _frames(traceback_text) if f["file"].endswith(GRADED_FILES)]
    own = [f for f in frames if f["function"] not in PROVIDED_FUNCTIONS]
    where = ""
    if own:
        caller = own[-1]
        name = caller["file"].replace("\\", "/").split("/")
        place = "/".join(name[-2:]) if name[-2:-1] == ["classifiers"] else name[-1]
        where = " at your %s, line %s (in %s)" % (place, caller["line"], caller["function"])
        if caller["code"]:
            where += ": `%s`" % caller["code"].strip()[:120]
        if frames and frames[-1]["function"] in PROVIDED_FUNCTIONS and frames[-1] is not caller:
            where += ", inside the provided %s" % frames[-1]["function"]
    message = "raised %s%s" % (last[:300], where)
    hint_id = None
    shapes = SHAPES.findall(last)
    if "slice indices must be integers" in last or "cannot be interpreted as an integer" in last:
        hint_id = "integer_division"
    elif frames and frames[-1]["function"] == "temporal_softmax_loss" and any(
            abs(int(a) - int(c)) == 1 and b == d or a == c and abs(int(b) - int(d)) == 1
            for (a, b) in shapes for (c, d) in shapes):
        hint_id = "captions_in"     # T words against T - 1 targets
    elif any(a == d and b == c and a != b for (a, b) in shapes for (c, d) in shapes):
        return message + "; " + hint("transpose_error"), "transpose"
    elif unit_dimension and any(text in last for text in DIMENSION_ERRORS):
        hint_id = "squeeze"
    if hint_id:
        message += "; " + hint(hint_id)
    return message, hint_id


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

def nonfinite_finding(label, warning=None, saturated=False):
    """(message, hint id) for a result holding NaN or inf."""
    message = hint("nan", label=label)
    if warning:
        message += " (the first warning in your code: %s)" % warning
    if saturated or (warning and "overflow" in warning):
        return message + "; " + hint("unstable_tanh"), "unstable_tanh"
    return message, "nan"


def shape_finding(label, got, expected):
    """(message, hint id) for a result of the wrong shape."""
    got, expected = tuple(got), tuple(expected)
    fields = dict(label=label, got=got, expected=expected)
    if len(got) == 2 and got == expected[::-1] and got != expected:
        return hint("transpose", **fields), "transpose"
    if len(got) == 3 and got == (expected[1], expected[0], expected[2]) and got != expected:
        return hint("time_major", **fields), "time_major"
    if len(got) < len(expected) and 1 in expected:
        return hint("wrong_shape", **fields) + "; " + hint("squeeze"), "squeeze"
    return hint("wrong_shape", **fields), "wrong_shape"


def loss_starter_finding(loss, gradient_names):
    """(message, hint id) when loss returns the starter's (0.0, {}), else None."""
    if np.ndim(loss) == 0 and float(loss) == 0.0 and not gradient_names:
        return hint("starter_value", what="loss 0.0 and an empty grads dict"), "starter_value"
    return None


def first_end(row, end):
    ends = np.flatnonzero(np.asarray(row) == end)
    return int(ends[0]) + 1 if ends.size else len(row)


def rows_match(got, expected, end):
    """Whether each row equals its expected row up to and including the expected row's first <END>."""
    return all(np.array_equal(g[:first_end(e, end)], e[:first_end(e, end)]) for g, e in zip(got, expected))


def sample_finding(got, expected, word_to_idx):
    """(message, hint id or None) for sampled captions that differ from the expected
    greedy decoding (same shape, integers; compared up to each expected row's first <END>)."""
    got, expected = np.asarray(got), np.asarray(expected)
    null, start, end = word_to_idx["<NULL>"], word_to_idx.get("<START>"), word_to_idx.get("<END>")
    wrong = [row for row in range(len(got)) if not rows_match(got[row:row + 1], expected[row:row + 1], end)]
    first = wrong[0]
    column = int(np.flatnonzero(got[first] != expected[first])[0])
    message = ("%d of %d rows differ from greedy decoding (row %d first differs at column %d)"
               % (len(wrong), len(got), first, column))
    shifted = got.shape[1] > 1 and rows_match(got[:, 1:], expected[:, :-1], end)
    hint_id = None
    if np.all(got == null):
        hint_id, text = "starter_value", hint("starter_value", what="every word is <NULL>")
    elif start is not None and np.all(got[:, 0] == start) and not np.all(expected[:, 0] == start):
        hint_id, text = "start_in_column_0", hint("start_in_column_0")
    elif np.all(got[:, 0] == null) and not np.all(expected[:, 0] == null) and (shifted or got.shape[1] == 1):
        hint_id, text = "null_in_column_0", hint("null_in_column_0")
    elif got.shape[1] > 1 and rows_match(got[:, :-1], expected[:, :-1], end) and np.all(got[:, -1] == null):
        hint_id, text = "off_by_one", hint("off_by_one")
    elif column > 0:
        hint_id, text = "feedback", hint("feedback")
    else:
        text = ""
    return (message + ("; " + text if text else "")), hint_id


def overfit_finding(final_loss, threshold, warning=None):
    """(message, hint id) for an overfitting run whose final loss is not below the threshold."""
    if final_loss is None or not np.isfinite(final_loss):
        return nonfinite_finding("the trained model's loss", warning)
    return hint("overfit_threshold", loss=final_loss, threshold=threshold), None

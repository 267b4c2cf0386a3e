"""What a failing check says: the catalogue of mistakes and the diagnoses,
defined once. The notebooks' checks, `selfcheck.py` and the autograder all
word their messages with these functions, so the same mistake reads the same
everywhere. Nothing here is secret.
"""
import re

import numpy as np

from .check_data import course_rubric
from .measures import scaled_error

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
    "off_by_one_state": ("each state is stored one step late: h[:, t] must hold the state computed at step t "
                         "(from x[:, t]), not the state that step started from"),
    "dh0": ("dh0 is wrong: it is the gradient that flows out of the first step into h0, the first step's "
            "dprev_h (its pre-activation gradient times Wh transposed)"),
    "h0_not_used": "the first step does not start from h0 (the given initial hidden state)",
    "cell_not_carried": "the cell state is reset at every step: carry next_c from each step to the next",
    "time_accumulation": ("the weight gradients hold only part of the steps: Wx, Wh and b are shared by every "
                          "step, so their gradients add up over time"),
    "cell_gradient_not_carried": ("the cell state's gradient is lost on the way back: at step t the cell also "
                                  "receives dprev_c, the gradient flowing back from step t + 1"),
    "cell_gradient_from_h": ("the cell's gradient misses the part that comes through next_h = o * tanh(next_c): "
                             "dc = dnext_c + dnext_h * o * (1 - tanh(next_c)**2)"),
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
    "loss_divided_by_T": ("the loss is divided by the number of time steps: temporal_softmax_loss sums over time "
                          "and averages over the minibatch only"),
    "float32_inside": ("the result is right only to float32 precision: part of the computation runs in float32 "
                       "(an array made with dtype=np.float32, or an astype) although the inputs are float64"),
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
GRADED_FILES = tuple(course_rubric().get("graded_files", {}).values())    # e.g. "classifiers/rnn.py"


# A wrong result is a catalogued mistake when it equals that mistake's result this closely
# (scaled error, float64 inputs; the grader uses its float32 bound for float32 inputs).
MATCH_TOLERANCE = 1e-6
# float32 rounding somewhere in a float64 computation leaves a relative difference near 1e-7.
FLOAT32_ROUNDING = 1e-5


def hint(hint_id, **fields):
    return HINTS[hint_id].format(**fields)


def _quoted(names):
    names = ["`%s`" % name for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def given_your_own(functions):
    """What the notebook's check says of a composite that is right given the student's own
    step functions, which fail their own checks (the autograder then judges it with correct ones)."""
    one = len(functions) == 1
    return ("correct given your %s, which fail%s %s own check%s: the autograder checks this function with "
            "%s in place of yours, and charges that error once, in %s" % (
                _quoted(functions), "s" if one else "", "its" if one else "their", "" if one else "s",
                "a correct one" if one else "correct ones", "its own part" if one else "their own parts"))


def waiting_for(functions):
    """What a check says while a function it uses (not its own forward) fails its own check."""
    one = len(functions) == 1
    return ("%s also fail%s, and this part uses %s: fix %s first. The autograder checks this part again with "
            "%s in place of yours, and gives its points when it is right then" % (
                _quoted(functions), "s" if one else "", "it" if one else "them", "it" if one else "them",
                "a correct one" if one else "correct ones"))


def charged_elsewhere(functions):
    """What a check says when it is right once the named functions, which fail their
    own checks, are replaced by correct ones: their error is charged once, there."""
    one = len(functions) == 1
    return ("correct once your %s %s replaced by %s: %s charged once, in %s" % (
        _quoted(functions), "is" if one else "are", "a correct one" if one else "correct ones",
        "its error is" if one else "their errors are", "its own part" if one else "their own parts"))


def judged_by_exact_gradients(forward, measured):
    """What a backward's check says when its own forward fails its checks, so finite
    differences of that forward cannot judge it, and its gradients equal the exact ones."""
    return ("your `%s` fails its own checks, so finite differences of it cannot judge this function; "
            "against the exact gradients it is right (%s)" % (forward, measured))


def fix_first(functions, checked_with_correct=False):
    """The note of a failing check whose part uses functions that fail their own checks."""
    one = len(functions) == 1
    if checked_with_correct:
        return ("it fails with correct %s in place of yours too, so the mistake is in this part's own code"
                % _quoted(functions))
    return "%s also fail%s, and this part uses %s: fix %s first; this check may then pass too" % (
        _quoted(functions), "s" if one else "", "it" if one else "them", "it" if one else "them")


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
    import_failed = last.startswith(("ModuleNotFoundError", "ImportError")) and "in <module>" in (traceback_text or "")
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
    if import_failed:
        return message + "; " + hint("import_error"), "import_error"
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


def loss_value_hint(value, expected, mistakes, N, T, float64_inputs):
    """The hint id for a wrong loss value, or None: the typical mistake whose loss it equals
    (mistakes: [(hint id, that mistake's loss)]), a factor of N or 1/N (or 1/T) too many, or
    float32 rounding in a float64 computation."""
    for hint_id, mistaken in mistakes:
        if abs(value - mistaken) <= MATCH_TOLERANCE * max(abs(value), 1.0):
            return hint_id
    factors = [(factor, hint_id) for factor, hint_id in ((1.0 / N, "loss_scale"), (float(N), "loss_scale"),
                                                       (1.0 / T, "loss_divided_by_T"))
               if factor != 1.0]     # N=1 or T=1: a factor of 1 is no mistake
    for factor, hint_id in factors:
        if expected and abs(value - expected * factor) <= MATCH_TOLERANCE * abs(value):
            return hint_id
    if float64_inputs and abs(value - expected) <= FLOAT32_ROUNDING * max(abs(expected), 1e-12):
        return "float32_inside"
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


# ---------------------------------------------------------------------------
# Which typical mistake a wrong result is
# ---------------------------------------------------------------------------

def _close(got, expected, tolerance):
    return got is not None and np.shape(got) == np.shape(expected) and np.all(np.isfinite(got)) \
        and scaled_error(got, expected) <= tolerance


def matching_mistake(got, mistakes, tolerance):
    """The hint id of the first mistake whose results equal `got` (scaled error at most
    tolerance for every output), or None. mistakes: [(hint id, [arrays])], the results
    each typical mistake gives on the same inputs (the grader computes them; the
    notebook's checks read them for the notebook's inputs)."""
    for hint_id, expected in mistakes:
        if len(expected) == len(got) and all(_close(g, np.asarray(e, dtype=np.float64), tolerance)
                                             for g, e in zip(got, expected)):
            return hint_id
    return None


def structural_hint(part, labels, got, expected, tolerance):
    """A hint id from the pattern of right and wrong outputs of a layer function, or None."""
    right = {label: _close(g, e, tolerance) for label, g, e in zip(labels, got, expected)}
    if part in ("rnn_backward", "lstm_backward"):
        if right["dx"] and right["dh0"] and not all(right[k] for k in ("dWx", "dWh", "db")):
            return "time_accumulation"
        dx, expected_dx = got[0], expected[0]
        if (dx is not None and np.shape(dx) == np.shape(expected_dx) and expected_dx.shape[1] > 1
                and _close(dx[:, -1], expected_dx[:, -1], tolerance)
                and not _close(dx[:, :-1], expected_dx[:, :-1], tolerance)):
            return "dropped_upstream"
    if part in ("rnn_forward", "lstm_forward"):
        h, expected_h = got[0], expected[0]
        if (h is not None and np.shape(h) == np.shape(expected_h) and expected_h.shape[1] > 1
                and _close(h[:, 0], expected_h[:, 0], tolerance)):
            return "cell_not_carried" if part == "lstm_forward" else "no_recurrence"
    if part == "lstm_step_backward" and not right["dprev_c"] and all(
            right[k] for k in ("dx", "dprev_h", "dWx", "dWh", "db")):
        return "forget_gate_gradient"
    if part == "lstm_step_backward" and got[5] is not None and np.shape(got[5]) == np.shape(expected[5]):
        H = expected[5].shape[0] // 4
        wrong = [name for k, name in enumerate("ifog")
                 if not _close(got[5][k * H:(k + 1) * H], expected[5][k * H:(k + 1) * H], tolerance * 10)]
        if wrong == ["g"]:
            return "tanh_derivative"
        if wrong and set(wrong) <= set("ifo") and len(wrong) == 1:
            return "sigmoid_derivative"
        if set(wrong) == set("ifg"):
            return "tanh_derivative"      # all through dc: the cell's tanh derivative
    return None


def sample_diagnosis(got, expected, word_to_idx, mistakes):
    """(message, hint id) for sampled captions that differ from greedy decoding: the pattern
    (sample_finding), or the decoding mistake whose captions they equal (mistakes: [(hint id,
    that mistake's captions)], compared up to each row's first <END>)."""
    message, hint_id = sample_finding(got, expected, word_to_idx)
    end = word_to_idx.get("<END>")
    refined = next((mistake for mistake, captions in mistakes
                    if np.shape(got) == np.shape(captions) and rows_match(got, np.asarray(captions), end)), None)
    if refined and refined != hint_id:
        return message.split("; ")[0] + "; " + hint(refined), refined
    return message, hint_id


def batch_loops(source):
    """{function name: line} of the functions in source that loop over the batch (a `for` over
    range(N) where N is the first dimension of an array, or over an array's rows), read from
    the text alone; {} when it does not parse."""
    import ast
    try:
        tree = ast.parse(source or "")
    except (SyntaxError, ValueError):
        return {}
    found = {}
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        batch = set()      # names bound to a first dimension: N, T, D = x.shape / N = x.shape[0]
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
                shape = isinstance(value, ast.Attribute) and value.attr == "shape"
                if shape and isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
                    batch.add(target.elts[0].id)
                if isinstance(target, ast.Name) and _first_dimension(value):
                    batch.add(target.id)
        for node in ast.walk(function):
            if isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and \
                    getattr(node.iter.func, "id", None) == "range" and node.iter.args:
                bound = node.iter.args[-1] if len(node.iter.args) == 1 else node.iter.args[1]
                if (isinstance(bound, ast.Name) and bound.id in batch) or _first_dimension(bound):
                    found.setdefault(function.name, node.lineno)
    return found


def _first_dimension(node):
    """x.shape[0] or len(x) (x a name)."""
    import ast
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
        index = node.slice
        return isinstance(index, ast.Constant) and index.value == 0
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "len" and len(node.args) == 1


def batch_loop_tip(function, line):
    return ("your %s loops over the minibatch (line %d): numpy computes all N rows at once, which is many "
            "times faster; loop only over time" % (function, line))


def batch_loop_tips(part, sources):
    """The 0-point tips for one part, the same in the notebook, the self-check and the
    autograder: [] or [the batch-loop tip]. sources: {graded file key: its text}; a layer
    part is its function in "layers", a loss or sample part the method in "model"."""
    if part.endswith(("_loss", "_sample")):
        function, source = part.rsplit("_", 1)[1], sources.get("model")
    else:
        function, source = part, sources.get("layers")
    line = batch_loops(source).get(function)
    return [] if line is None else [batch_loop_tip(function, line)]


def overfit_finding(final_loss, threshold, warning=None):
    """(message, hint id) for an overfitting run whose final loss is not below the threshold."""
    if final_loss is None or not np.isfinite(final_loss):
        return nonfinite_finding("the trained model's loss", warning)
    return hint("overfit_threshold", loss=final_loss, threshold=threshold), None

"""Hidden checks of CaptioningRNN.loss and CaptioningRNN.sample, for both cells.

The grader sets every parameter, so the student's (provided) initialisation
plays no part; the reference model with the same parameters gives the answer.
"""
import numpy as np

from autograder.assignment import Check
from autograder.compare import Outcome, combine, compare_outputs, problem_with

from . import cases, titles, tolerances
from .student import Student, describe_error
from .tolerances import LIMITS


def reference_model(ref, case):
    model = ref.module("classifiers.rnn").CaptioningRNN(case["word_to_idx"], input_dim=case["input_dim"],
                                    wordvec_dim=case["wordvec_dim"], hidden_dim=case["hidden_dim"],
                                    cell_type=case["cell_type"], dtype=case["dtype"])
    model.params = {name: np.array(value) for name, value in case["params"].items()}
    return model


def model_case(cell_type, word_to_idx, D, W, H, params, features, dtype=np.float64, **extra):
    case = dict(cell_type=cell_type, word_to_idx=word_to_idx, input_dim=D, wordvec_dim=W,
                hidden_dim=H, dtype=dtype, params=params, features=features)
    case.update(extra)
    return case


def shape_text(case):
    text = "N=%d, D=%d, W=%d, H=%d, V=%d" % (case["features"].shape[0], case["input_dim"],
                                             case["wordvec_dim"], case["hidden_dim"], len(case["word_to_idx"]))
    if "captions" in case:
        text += ", T=%d" % case["captions"].shape[1]
    if "max_length" in case:
        text += ", max_length=%d" % case["max_length"]
    return text


# ---------------------------------------------------------------------------
# loss
# ---------------------------------------------------------------------------

def seed_loss_case(ref, cell_type):
    seed = ref.module("check_data").model_loss_case(cell_type)
    D, W, H = seed["input_dim"], seed["wordvec_dim"], seed["hidden_dim"]
    shapes = cases.param_shapes(cell_type, D, W, H, len(seed["word_to_idx"]))
    params = {name: seed["param_value"](shape) for name, shape in shapes.items()}
    return model_case(cell_type, seed["word_to_idx"], D, W, H, params, seed["features"],
                      method="loss", captions=seed["captions"])


def hidden_loss_cases(cell_type, purpose, padding=0.5):
    case_list = []
    for shape in cases.MODEL_SHAPES:
        N, T, D, W, H, V = shape
        rng = cases.rng_for(cell_type, purpose, shape)
        params = cases.random_params(cases.param_shapes(cell_type, D, W, H, V), rng, np.float64)
        case_list.append(model_case(cell_type, cases.vocabulary(V), D, W, H, params,
                                    rng.standard_normal((N, D)), method="loss",
                                    captions=cases.random_captions(rng, N, T, V, padding)))
    return case_list


def compare_loss(ref, case, result, with_grads):
    if result.error:
        return Outcome(False, describe_error(result.error))
    relative, _ = tolerances.metrics(ref)
    loss, grads = reference_model(ref, case).loss(case["features"], case["captions"])
    loss = np.asarray(loss, dtype=np.float64)
    got_loss = result.loss
    if isinstance(got_loss, np.ndarray) and got_loss.size == 1 and got_loss.dtype.kind == "f":
        got_loss = got_loss.reshape(())  # a 0-d array, a 1-element array or a float all count as a scalar
    outcome = compare_outputs([("loss", got_loss, loss)], tolerances.notebook_tolerance(
        ref, "%s_loss" % case["cell_type"]), relative)
    if not outcome.passed or not with_grads:
        return outcome
    triples = [("grads['%s']" % name, result.grad_dict.get(name), grads[name]) for name in sorted(grads)]
    return compare_outputs(triples, tolerances.MODEL_GRADIENTS, relative)


def run_loss_cases(ctx, case_list, with_grads):
    results = Student(ctx.proxy).model(case_list, limits=LIMITS["model"])
    outcomes = [(shape_text(c), compare_loss(ctx.reference, c, r, with_grads)) for c, r in zip(case_list, results)]
    return (combine(outcomes) if len(outcomes) > 1 else outcomes[0][1]), "; ".join(o[0] for o in outcomes)


def loss_seed_model(ctx, cell_type):
    return run_loss_cases(ctx, [seed_loss_case(ctx.reference, cell_type)], with_grads=False)


def loss_hidden_models(ctx, cell_type):
    return run_loss_cases(ctx, hidden_loss_cases(cell_type, "loss"), with_grads=True)


def loss_ignores_padding(ctx, cell_type):
    """Mostly-padded captions: a loss that counts the <NULL> targets differs from the reference."""
    outcome, shapes = run_loss_cases(ctx, hidden_loss_cases(cell_type, "mask", padding=1.0), with_grads=True)
    if not outcome.passed and "loss: relative error" in outcome.message:
        outcome.message += ("; steps whose target is <NULL> are padding and must not count: "
                            "pass the mask to temporal_softmax_loss")
    return outcome, shapes


# ---------------------------------------------------------------------------
# sample
# ---------------------------------------------------------------------------

def greedy_margin(ref, case):
    """Smallest gap between the best and second-best word score over the reference's
    greedy decoding: a tiny gap would let rounding pick another (equally right) word."""
    layers, p = ref.module("rnn_layers"), {k: np.asarray(v, dtype=np.float64) for k, v in case["params"].items()}
    h = case["features"] @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    word = np.full(h.shape[0], case["word_to_idx"]["<START>"])
    margin = np.inf
    for _ in range(case["max_length"]):
        x = p["W_embed"][word]
        if case["cell_type"] == "rnn":
            h, _ = layers.rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = layers.lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        scores = h @ p["W_vocab"] + p["b_vocab"]
        top = np.sort(scores, axis=1)
        if top.shape[1] > 1:
            margin = min(margin, float(np.min(top[:, -1] - top[:, -2])))
        word = scores.argmax(axis=1)
    return margin


def sample_cases(ref, cell_type, purpose, dtype):
    case_list = []
    for shape in cases.SAMPLE_SHAPES:
        N, L, D, W, H, V = shape
        for attempt in range(100):
            rng = cases.rng_for(cell_type, purpose, shape, attempt)
            params = cases.random_params(cases.param_shapes(cell_type, D, W, H, V), rng, dtype, scale=2.0)
            case = model_case(cell_type, cases.vocabulary(V), D, W, H, params,
                              rng.standard_normal((N, D)).astype(dtype), dtype=dtype,
                              method="sample", max_length=L)
            if greedy_margin(ref, case) > tolerances.SAMPLE_MARGIN:
                break
        case_list.append(case)
    return case_list


def seed_sample_case(ref, cell_type):
    seed = ref.module("check_data").sample_case()
    D, W, H = seed["input_dim"], seed["wordvec_dim"], seed["hidden_dim"]
    shapes = cases.param_shapes(cell_type, D, W, H, len(seed["word_to_idx"]))
    params = {name: seed["param_value"](shape, k) for k, (name, shape) in enumerate(sorted(shapes.items()))}
    return model_case(cell_type, seed["word_to_idx"], D, W, H, params, seed["features"],
                      method="sample", max_length=seed["max_length"])


def compare_sample(ref, case, result):
    """Equal to the reference's greedy decoding up to and including each row's first <END>.

    Words after <END> are not compared: stopping early and padding with <NULL>
    is as right as decoding on, which is what the reference does.
    """
    if result.error:
        return Outcome(False, describe_error(result.error))
    expected = reference_model(ref, case).sample(case["features"], max_length=case["max_length"])
    got = result.captions
    problem = problem_with(got, np.asarray(expected), "captions")
    if problem:
        return Outcome(False, problem + " (shape (N, max_length), integer word indices)",
                       float("inf"), 0.0, "rows that differ")
    end, start = case["word_to_idx"]["<END>"], case["word_to_idx"]["<START>"]
    wrong_rows = []
    for row, (mine, theirs) in enumerate(zip(got, expected)):
        ends = np.flatnonzero(theirs == end)
        stop = ends[0] + 1 if ends.size else theirs.size
        if not np.array_equal(mine[:stop], theirs[:stop]):
            wrong_rows.append(row)
    if not wrong_rows:
        return Outcome(True, "all %d rows match greedy decoding" % len(got), 0.0, 0.0, "rows that differ")
    first = wrong_rows[0]
    position = int(np.flatnonzero(got[first] != expected[first])[0])
    message = ("%d of %d rows differ from greedy decoding (row %d first differs at column %d)"
               % (len(wrong_rows), len(got), first, position))
    if np.all(got[:, 0] == start) and not np.all(expected[:, 0] == start):
        message += "; column 0 holds <START>: it must hold the first generated word"
    elif position > 0:
        message += ("; the first words match, so check what is fed back at each step "
                    "(the previous step's best word) and how the hidden state is carried")
    return Outcome(False, message, float(len(wrong_rows)), 0.0, "rows that differ")


def run_sample_cases(ctx, case_list):
    results = Student(ctx.proxy).model(case_list, limits=LIMITS["model"])
    outcomes = [(shape_text(c), compare_sample(ctx.reference, c, r)) for c, r in zip(case_list, results)]
    return (combine(outcomes) if len(outcomes) > 1 else outcomes[0][1]), "; ".join(o[0] for o in outcomes)


def sample_seed_model(ctx, cell_type):
    return run_sample_cases(ctx, [seed_sample_case(ctx.reference, cell_type)])


def sample_hidden_models(ctx, cell_type):
    return run_sample_cases(ctx, sample_cases(ctx.reference, cell_type, "sample", np.float64))


def sample_float32(ctx, cell_type):
    return run_sample_cases(ctx, sample_cases(ctx.reference, cell_type, "float32", np.float32))


def _bound(body, cell_type):
    return lambda ctx: body(ctx, cell_type)


def loss_checks(cell_type):
    return [Check("loss_seed_model", titles.MODEL_SEED, _bound(loss_seed_model, cell_type)),
            Check("loss_hidden_models", titles.MODEL_HIDDEN, _bound(loss_hidden_models, cell_type)),
            Check("loss_ignores_padding", titles.MODEL_MASK, _bound(loss_ignores_padding, cell_type))]


def sample_checks(cell_type):
    return [Check("sample_seed_model", titles.SAMPLE_SEED, _bound(sample_seed_model, cell_type)),
            Check("sample_hidden_models", titles.SAMPLE_HIDDEN, _bound(sample_hidden_models, cell_type)),
            Check("sample_float32", titles.SAMPLE_FLOAT32, _bound(sample_float32, cell_type))]

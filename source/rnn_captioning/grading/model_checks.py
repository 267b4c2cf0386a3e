"""Hidden checks of CaptioningRNN.loss and CaptioningRNN.sample, for both cells.

The grader sets every parameter, so the student's (provided) initialisation
plays no part; the reference model with the same parameters, in float64,
gives the answer. A wrong result is named: by the error it raised and the
student's line, the starter code's value, the typical mistake whose result
it equals (mistakes.py), or the pattern of a wrong sample. A loss or sample
that is right once the layer functions it calls, charged elsewhere, are
replaced by correct ones keeps its points (replacements.py).
"""
import numpy as np

from autograder.assignment import Check
from autograder.compare import Outcome, Precision, combine, compare_outputs, problem_with

from . import cases, mistakes, replacements, titles, tolerances
from .cells import greedy_decode
from .student import Student
from .tolerances import LIMITS


def reference_model(ref, case):
    """The reference model with the case's parameters, computing in float64."""
    with cases.GLOBAL_RNG:
        model = ref.module("classifiers.rnn").CaptioningRNN(case["word_to_idx"], input_dim=case["input_dim"],
                                        wordvec_dim=case["wordvec_dim"], hidden_dim=case["hidden_dim"],
                                        cell_type=case["cell_type"], dtype=np.float64)
    model.params = {name: np.array(value, dtype=np.float64) for name, value in case["params"].items()}
    return model


def error_outcome(ref, result, case):
    unit = 1 in (case["features"].shape[0], case["input_dim"], case["wordvec_dim"], case["hidden_dim"],
                 case.get("max_length", 2))
    message, hint_id = ref.module("diagnosis").error_finding(result.error, unit)
    return Outcome(False, message, hint=hint_id)


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


def hidden_loss_cases(cell_type, purpose, shapes, dtype=np.float64, padding=0.5):
    """Random models of the given shapes [((N, T, D, W, H, V), saturated cell units?)]."""
    case_list = []
    float32 = np.dtype(dtype) == np.float32
    for shape, saturated in shapes:
        N, T, D, W, H, V = shape
        rng = cases.rng_for(cell_type, purpose, shape, "float32" if float32 else "")
        params = cases.random_params(cases.param_shapes(cell_type, D, W, H, V), rng, dtype, saturated=saturated)
        case_list.append(model_case(cell_type, cases.vocabulary(V), D, W, H, params,
                                    rng.standard_normal((N, D)).astype(dtype), dtype=dtype, method="loss",
                                    captions=cases.random_captions(rng, N, T, V, padding), saturated=saturated))
    return case_list


def _plain(shapes):
    return [(shape, False) for shape in shapes]


def compare_loss(ctx, case, result, with_grads):
    ref = ctx.reference
    diagnosis = ref.module("diagnosis")
    if result.error:
        return error_outcome(ref, result, case)
    relative, scaled = tolerances.metrics(ref)
    float32 = np.dtype(case["dtype"]) == np.float32
    precision = Precision(case["dtype"], preserve=ctx.assignment.policy.preserve_dtype)
    loss_metric, loss_tolerance = ((scaled, tolerances.SCALED_FLOAT32) if float32 else
                                   (relative, tolerances.notebook_tolerance(ref, "%s_loss" % case["cell_type"])))
    grads_metric, grads_tolerance = (scaled, tolerances.SCALED_FLOAT32) if float32 else \
        (relative, tolerances.MODEL_GRADIENTS)
    loss, grads = reference_model(ref, case).loss(case["features"], case["captions"])
    got_loss = result.loss
    present = [name for name, value in result.grad_dict.items() if value is not None]
    starter = diagnosis.loss_starter_finding(got_loss, present) if got_loss is not None else None
    if starter:
        return Outcome(False, starter[0], hint=starter[1])
    if isinstance(got_loss, np.ndarray) and got_loss.size == 1 and got_loss.dtype.kind == "f":
        got_loss = got_loss.reshape(())  # a 0-d array, a 1-element array or a float all count as a scalar
    triples = [("loss", got_loss, np.asarray(loss, dtype=np.float64))]
    outcome = compare_outputs(triples, loss_tolerance, loss_metric, precision)
    if outcome.passed and with_grads:
        triples = [("grads['%s']" % name, result.grad_dict.get(name), grads[name]) for name in sorted(grads)]
        outcome = compare_outputs(triples, grads_tolerance, grads_metric, precision)
    if not outcome.passed:
        nonfinite = [label for label, value, _ in triples
                     if isinstance(value, np.ndarray) and value.dtype.kind == "f" and not np.all(np.isfinite(value))]
        if nonfinite:
            outcome.message, outcome.hint = diagnosis.nonfinite_finding(nonfinite[0], result.warning,
                                                                        case.get("saturated", False))
            return outcome
        hint_id = mistakes.loss_hint(ref, case, got_loss, float(loss), result.grad_dict, grads,
                                     loss_tolerance if not float32 else tolerances.SCALED_FLOAT32)
        if hint_id:
            outcome.hint = hint_id
            name = next((n for n in sorted(grads) if result.grad_dict.get(n) is None
                         or not np.any(result.grad_dict[n])), "a gradient")
            outcome.message += "; " + diagnosis.hint(hint_id, name="grads['%s']" % name
                                                     if name != "a gradient" else name)
    return outcome


def judge_loss_cases(ctx, case_list, results, with_grads):
    outcomes = [(shape_text(c), compare_loss(ctx, c, r, with_grads)) for c, r in zip(case_list, results)]
    return (combine(outcomes) if len(outcomes) > 1 else outcomes[0][1]), "; ".join(o[0] for o in outcomes)


def run_loss_cases(ctx, case_list, with_grads):
    """Compare every model's loss (and gradients); a failing one is judged again with the
    layer functions charged elsewhere replaced by correct ones."""
    part = "%s_loss" % case_list[0]["cell_type"]
    results = Student(ctx.proxy).model(case_list, limits=LIMITS["model"])
    outcome, shapes = judge_loss_cases(ctx, case_list, results, with_grads)
    if not outcome.passed:
        outcome = replacements.retry(ctx, part, outcome, lambda student: judge_loss_cases(
            ctx, case_list, student.model(case_list, limits=LIMITS["model"]), with_grads)[0])
    return outcome, shapes


def loss_seed_model(ctx, cell_type):
    return with_tips(ctx, "%s_loss" % cell_type,
                     run_loss_cases(ctx, [seed_loss_case(ctx.reference, cell_type)], with_grads=False))


def loss_hidden_models(ctx, cell_type):
    """Random models of ordinary sizes in float64, then a float32 one: loss and every gradient."""
    return run_loss_cases(ctx, hidden_loss_cases(cell_type, "loss", _plain(cases.MODEL_SHAPES)) +
                          hidden_loss_cases(cell_type, "loss", cases.FLOAT32_MODEL_SHAPES, np.float32),
                          with_grads=True)


def loss_ignores_padding(ctx, cell_type):
    """Mostly-padded captions: a loss that counts the <NULL> targets differs from the reference."""
    return run_loss_cases(ctx, hidden_loss_cases(cell_type, "mask", _plain(cases.MODEL_SHAPES), padding=1.0),
                          with_grads=True)


def loss_edge_models(ctx, cell_type):
    """Models with N, D, W or H of 1 (float64), and a float32 one with saturated cell units."""
    return run_loss_cases(ctx, hidden_loss_cases(cell_type, "loss", _plain(cases.UNIT_MODEL_SHAPES)) +
                          hidden_loss_cases(cell_type, "loss", cases.SATURATED_MODEL_SHAPES, np.float32),
                          with_grads=True)


# ---------------------------------------------------------------------------
# sample
# ---------------------------------------------------------------------------

def greedy_margin(ref, case):
    """Smallest gap between the best and second-best word score over the reference's
    greedy decoding: a tiny gap would let rounding pick another (equally right) word."""
    return greedy_decode(ref.module("rnn_layers"), case)[1]


def sample_cases(ref, cell_type, purpose, dtype, shapes, saturated=False):
    case_list = []
    for shape in shapes:
        N, L, D, W, H, V = shape
        for attempt in range(100):
            rng = cases.rng_for(cell_type, purpose, shape, attempt, "saturated" if saturated else "")
            params = cases.random_params(cases.param_shapes(cell_type, D, W, H, V), rng, dtype, scale=2.0,
                                         saturated=saturated)
            case = model_case(cell_type, cases.vocabulary(V), D, W, H, params,
                              rng.standard_normal((N, D)).astype(dtype), dtype=dtype,
                              method="sample", max_length=L, saturated=saturated)
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


def compare_sample(ref, case, result, upstream_failed=False):
    """Equal to the reference's greedy decoding up to and including each row's first <END>.

    Words after <END> are not compared: stopping early and padding with <NULL>
    is as right as decoding on, which is what the reference does.
    """
    diagnosis = ref.module("diagnosis")
    if result.error:
        return error_outcome(ref, result, case)
    expected = reference_model(ref, case).sample(case["features"], max_length=case["max_length"])
    got = result.captions
    problem = problem_with(got, np.asarray(expected), "captions")
    if problem:
        hint_id = None
        if isinstance(got, np.ndarray) and got.ndim and got.shape != expected.shape:
            problem, hint_id = diagnosis.shape_finding("captions", got.shape, expected.shape)
        return Outcome(False, problem + " (shape (N, max_length), integer word indices)",
                       float("inf"), 0.0, "rows that differ", hint=hint_id)
    end = case["word_to_idx"]["<END>"]
    if diagnosis.rows_match(got, expected, end):
        return Outcome(True, "all %d rows match greedy decoding" % len(got), 0.0, 0.0, "rows that differ")
    message, hint_id = diagnosis.sample_diagnosis(got, expected, case["word_to_idx"],
                                                  mistakes.sample_mistake_results(ref, case))
    if hint_id == "feedback" and upstream_failed:     # a guess: a failing step explains it better
        message, hint_id = message.split("; ")[0], None
    wrong = sum(not diagnosis.rows_match(g[None], e[None], end) for g, e in zip(got, expected))
    return Outcome(False, message, float(wrong), 0.0, "rows that differ", hint=hint_id)


def judge_sample_cases(ctx, case_list, results):
    upstream_failed = ctx.upstream_failed("%s_sample" % case_list[0]["cell_type"])
    outcomes = [(shape_text(c), compare_sample(ctx.reference, c, r, upstream_failed))
                for c, r in zip(case_list, results)]
    return (combine(outcomes) if len(outcomes) > 1 else outcomes[0][1]), "; ".join(o[0] for o in outcomes)


def run_sample_cases(ctx, case_list):
    """Compare every model's captions; a failing one is judged again with the layer
    functions charged elsewhere replaced by correct ones."""
    part = "%s_sample" % case_list[0]["cell_type"]
    results = Student(ctx.proxy).model(case_list, limits=LIMITS["model"])
    outcome, shapes = judge_sample_cases(ctx, case_list, results)
    if not outcome.passed:
        outcome = replacements.retry(ctx, part, outcome, lambda student: judge_sample_cases(
            ctx, case_list, student.model(case_list, limits=LIMITS["model"]))[0])
    return outcome, shapes


def sample_seed_model(ctx, cell_type):
    return with_tips(ctx, "%s_sample" % cell_type, run_sample_cases(ctx, [seed_sample_case(ctx.reference, cell_type)]))


def with_tips(ctx, part, result):
    """(outcome, shapes) with the part's batch-loop tip added to the outcome (no points)."""
    result[0].tips += mistakes.batch_loop_tips(ctx, part)
    return result


def sample_hidden_models(ctx, cell_type):
    return run_sample_cases(ctx, sample_cases(ctx.reference, cell_type, "sample", np.float64, cases.SAMPLE_SHAPES))


def sample_float32(ctx, cell_type):
    """float32 models of ordinary sizes."""
    return run_sample_cases(ctx, sample_cases(ctx.reference, cell_type, "float32", np.float32, cases.SAMPLE_SHAPES))


def sample_edge_models(ctx, cell_type):
    """Models with N, max_length, D, W or H of 1 (float64), and a float32 one with saturated cell units."""
    return run_sample_cases(ctx, sample_cases(ctx.reference, cell_type, "sample", np.float64, cases.UNIT_SAMPLE_SHAPES)
                            + sample_cases(ctx.reference, cell_type, "float32", np.float32,
                                           cases.SATURATED_SAMPLE_SHAPES, saturated=True))


def _bound(body, cell_type):
    return lambda ctx: body(ctx, cell_type)


def loss_checks(cell_type):
    return [Check("loss_seed_model", titles.MODEL_SEED, _bound(loss_seed_model, cell_type), needs=("model",),
                  counts_only_with=("loss_hidden_models",)),
            Check("loss_hidden_models", titles.MODEL_HIDDEN, _bound(loss_hidden_models, cell_type), needs=("model",)),
            Check("loss_ignores_padding", titles.MODEL_MASK, _bound(loss_ignores_padding, cell_type),
                  needs=("model",)),
            Check("loss_edge_models", titles.MODEL_EDGE, _bound(loss_edge_models, cell_type), needs=("model",))]


def sample_checks(cell_type):
    return [Check("sample_seed_model", titles.SAMPLE_SEED, _bound(sample_seed_model, cell_type), needs=("model",),
                  counts_only_with=("sample_hidden_models",)),
            Check("sample_hidden_models", titles.SAMPLE_HIDDEN, _bound(sample_hidden_models, cell_type),
                  needs=("model",)),
            Check("sample_float32", titles.SAMPLE_FLOAT32, _bound(sample_float32, cell_type), needs=("model",)),
            Check("sample_edge_models", titles.MODEL_EDGE, _bound(sample_edge_models, cell_type), needs=("model",))]

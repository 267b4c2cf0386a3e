"""Hidden checks of the ten graded layer functions.

Each check sends inputs to the sandboxed student code, gets numbers back and
compares them here with the reference (imported only in this trusted process).
"""
import numpy as np

from autograder.assignment import Check
from autograder.compare import Outcome, combine, compare_outputs, problem_with

from . import cases, tolerances, titles
from .student import Student, describe_error
from .tolerances import LIMITS


def shape_text(case, spec=None, backward=True):
    """The shapes (never the values) of a case's inputs."""
    names = list(case) if spec is None else list(spec.args) + (list(spec.upstream) if backward else [])
    return ", ".join("%s %s" % (name, tuple(np.shape(case[name]))) for name in names if name in case)


def reference_results(ref, spec, case, backward):
    """The reference's outputs (or gradients) for one case, computed in float64."""
    layers = ref.module("rnn_layers")
    args = [np.asarray(case[name]) if i in spec.integer_args else np.asarray(case[name], dtype=np.float64)
            for i, name in enumerate(spec.args)]
    result = getattr(layers, spec.forward)(*args)
    if not backward:
        return list(result[:len(spec.outputs)])
    upstream = [np.asarray(case[name], dtype=np.float64) for name in spec.upstream]
    grads = getattr(layers, spec.backward)(*upstream, result[-1])
    return list(grads) if isinstance(grads, tuple) else [grads]


def compare_case(ref, spec, case, result, backward, tolerance, metric, require_dtype=None):
    if result.error:
        return Outcome(False, describe_error(result.error))
    expected = reference_results(ref, spec, case, backward)
    labels = spec.grads if backward else spec.outputs
    got = result.grads if backward else result.outputs
    return compare_outputs(list(zip(labels, got, expected)), tolerance, metric, require_dtype)


def run_cases(ctx, part, case_list, tolerance, metric, require_dtype=None, limits="layers"):
    spec, backward = cases.LAYER_PARTS[part]
    results = Student(ctx.proxy).layers(spec, case_list, backward, limits=LIMITS[limits])
    outcomes = [(shape_text(case, spec, backward),
                 compare_case(ctx.reference, spec, case, result, backward, tolerance, metric, require_dtype))
                for case, result in zip(case_list, results)]
    return combine(outcomes) if len(outcomes) > 1 else outcomes[0][1], "; ".join(o[0] for o in outcomes)


def seed_inputs(ctx, part):
    """The fixed inputs of the notebook's checks, compared with the reference."""
    relative, _ = tolerances.metrics(ctx.reference)
    case = ctx.reference.module("check_data").SEED_CASES[part]()
    return run_cases(ctx, part, [case], tolerances.notebook_tolerance(ctx.reference, part), relative)


def varied_shapes(ctx, part):
    """Seeded random inputs with N, T, D, H each 1 somewhere, float64."""
    relative, _ = tolerances.metrics(ctx.reference)
    spec, _ = cases.LAYER_PARTS[part]
    case_list = [cases.random_layer_inputs(spec, shape, np.float64, cases.rng_for(part, "varied", shape))
                 for shape in cases.VARIED_SHAPES]
    return run_cases(ctx, part, case_list, tolerances.notebook_tolerance(ctx.reference, part), relative)


def float32_inputs(ctx, part):
    """float32 inputs must give float32 results, close to the float64 reference of the same values."""
    _, scaled = tolerances.metrics(ctx.reference)
    spec, _ = cases.LAYER_PARTS[part]
    case_list = [cases.random_layer_inputs(spec, shape, np.float32, cases.rng_for(part, "float32", shape))
                 for shape in cases.FLOAT32_SHAPES]
    return run_cases(ctx, part, case_list, tolerances.SCALED_FLOAT32, scaled, require_dtype=np.float32)


def numeric_gradient(perturbed, upstream, step):
    """Central differences from f(x + h e_i), f(x - h e_i) rows: one entry per element of x."""
    total = 0.0
    for rows, dout in zip(perturbed, upstream):
        plus, minus = rows[0::2], rows[1::2]
        total = total + ((plus - minus) * dout[None]).reshape(plus.shape[0], -1).sum(axis=1)
    return total / (2 * step)


def numeric_gradient_of_own_forward(ctx, part):
    """The student's gradients against finite differences of the student's own forward."""
    spec, _ = cases.LAYER_PARTS[part]
    case_list = [cases.random_layer_inputs(spec, shape, np.float64, cases.rng_for(part, "numeric", shape))
                 for shape in cases.NUMERIC_SHAPES]
    step = tolerances.NUMERIC_STEP
    results = Student(ctx.proxy).layers(spec, case_list, True, perturb=spec.grad_args, step=step,
                                        limits=LIMITS["numeric"])
    _, scaled = tolerances.metrics(ctx.reference)
    outcomes = []
    for case, result in zip(case_list, results):
        outcomes.append((shape_text(case, spec), _numeric_outcome(spec, case, result, step, scaled)))
    return combine(outcomes), "; ".join(o[0] for o in outcomes)


def _numeric_outcome(spec, case, result, step, metric):
    if result.error:
        return Outcome(False, describe_error(result.error))
    upstream = [case[name] for name in spec.upstream]
    triples = []
    for label, arg_index, grad in zip(spec.grads, spec.grad_args, result.grads):
        arg = case[spec.args[arg_index]]
        rows = []
        for k, dout in enumerate(upstream):
            stacked = result.perturbed.get((arg_index, k))
            expected_shape = (2 * arg.size,) + dout.shape
            problem = problem_with(stacked, np.zeros(expected_shape), "your forward output")
            if problem:
                return Outcome(False, "the forward pass could not be differentiated numerically: " + problem)
            rows.append(stacked)
        numeric = numeric_gradient(rows, upstream, step).reshape(arg.shape)
        triples.append((label, grad, numeric))
    outcome = compare_outputs(triples, tolerances.SCALED_NUMERIC, metric)
    if not outcome.passed:
        outcome.message = "against finite differences of your forward: " + outcome.message
    return outcome


def repeated_words(ctx, part):
    """word_embedding_backward must add up the gradients of a word that occurs several times."""
    relative, _ = tolerances.metrics(ctx.reference)
    case = cases.repeated_index_inputs(cases.rng_for(part, "repeated"))
    outcome, shapes = run_cases(ctx, part, [case], tolerances.notebook_tolerance(ctx.reference, part), relative)
    if not outcome.passed and "relative error" in outcome.message:
        outcome.message += ("; a word used several times must receive the sum of its gradients "
                            "(e.g. np.add.at), not only the last one")
    return outcome, shapes


def _bound(body, part):
    return lambda ctx: body(ctx, part)


def forward_checks(part):
    return [Check("seed_inputs", titles.SEED, _bound(seed_inputs, part)),
            Check("varied_shapes", titles.VARIED, _bound(varied_shapes, part)),
            Check("float32", titles.FLOAT32, _bound(float32_inputs, part))]


def backward_checks(part):
    checks = [Check("seed_inputs", titles.SEED, _bound(seed_inputs, part)),
              Check("varied_shapes", titles.VARIED, _bound(varied_shapes, part)),
              Check("numeric_gradient", titles.NUMERIC, _bound(numeric_gradient_of_own_forward, part)),
              Check("float32", titles.FLOAT32, _bound(float32_inputs, part))]
    if cases.LAYER_PARTS[part][0].integer_args:
        checks.append(Check("repeated_words", titles.REPEATED, _bound(repeated_words, part)))
    return checks

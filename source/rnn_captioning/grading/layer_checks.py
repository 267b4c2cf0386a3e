"""Hidden checks of the ten graded layer functions.

Each check sends inputs to the sandboxed student code, gets numbers back and
compares them here with the reference (imported only in this trusted process).
A wrong result is named: by the error it raised, by its shape, dtype or
NaN, by the typical mistake whose result it equals (mistakes.py), or by which
of its outputs are wrong. A composite that is right given the student's own
wrong step function keeps its points (carried.py).
"""
import numpy as np

from autograder.assignment import Check
from autograder.compare import Outcome, Precision, combine, compare_outputs, problem_with

from . import carried, cases, mistakes, tolerances, titles
from .student import Student
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


def precision_of(ctx, case, spec):
    """The float precision of a case's inputs, with the course's dtype policy."""
    dtype = next(np.asarray(case[name]).dtype for i, name in enumerate(spec.args) if i not in spec.integer_args)
    return Precision(dtype, preserve=ctx.assignment.policy.preserve_dtype)


def diagnose(ctx, part, case, result, outcome, backward, expected, tolerance, saturated):
    """Add the catalogued hint that names the mistake to a failing outcome."""
    ref = ctx.reference
    diagnosis = ref.module("diagnosis")
    spec, _ = cases.LAYER_PARTS[part]
    labels = spec.grads if backward else spec.outputs
    got = result.grads if backward else result.outputs
    for label, value, wanted in zip(labels, got, expected):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.shape == np.shape(wanted) \
                and not np.all(np.isfinite(value)):
            outcome.message, outcome.hint = diagnosis.nonfinite_finding(label, result.warning, saturated)
            return outcome
        if isinstance(value, np.ndarray) and np.ndim(value) and value.shape != np.shape(wanted):
            outcome.message, outcome.hint = diagnosis.shape_finding(label, value.shape, np.shape(wanted))
            return outcome
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and \
                value.dtype.itemsize < precision_of(ctx, case, spec).dtype.itemsize:
            outcome.hint = "lower_precision"
            return outcome
    hint_id = mistakes.matching_layer_mistake(ref, part, case, got, max(tolerance, 1e-6))
    if hint_id is None and not ctx.upstream_failed(part):   # a guess only when nothing upstream explains it
        hint_id = mistakes.structural_layer_hint(ref, part, case, labels, got, expected, max(tolerance, 1e-6))
    if hint_id:
        outcome.hint = hint_id
        outcome.message += "; " + diagnosis.hint(hint_id)
    return outcome


def has_unit_dimension(case):
    return any(1 in np.shape(value) for value in case.values())


def compare_case(ctx, part, case, result, backward, tolerance, metric, saturated=False):
    spec, _ = cases.LAYER_PARTS[part]
    if result.error:
        message, hint_id = ctx.reference.module("diagnosis").error_finding(result.error, has_unit_dimension(case))
        return Outcome(False, message, hint=hint_id)
    expected = reference_results(ctx.reference, spec, case, backward)
    labels = spec.grads if backward else spec.outputs
    got = result.grads if backward else result.outputs
    outcome = compare_outputs(list(zip(labels, got, expected)), tolerance, metric, precision_of(ctx, case, spec))
    if result.note:
        outcome.tips.append("your code %s: it was graded on its results from a copy, but a caller's array "
                            "changes under it; work on copies (x = x.copy(), or out = a + b instead of a += b)"
                            % result.note)
    if not outcome.passed:
        scaled = tolerances.SCALED_FLOAT32 if np.dtype(precision_of(ctx, case, spec).dtype) == np.float32 \
            else tolerances.SCALED_NUMERIC
        outcome = diagnose(ctx, part, case, result, outcome, backward, expected, scaled, saturated)
    return outcome


def run_cases(ctx, part, case_list, tolerance, metric, limits="layers", saturated=()):
    """Compare every case; a failing composite may still pass given the student's own step."""
    spec, backward = cases.LAYER_PARTS[part]
    results = Student(ctx.proxy).layers(spec, case_list, backward, limits=LIMITS[limits])
    outcomes = [(shape_text(case, spec, backward),
                 compare_case(ctx, part, case, result, backward, tolerance, metric, k in saturated))
                for k, (case, result) in enumerate(zip(case_list, results))]
    outcome = combine(outcomes) if len(outcomes) > 1 else outcomes[0][1]
    shapes = "; ".join(o[0] for o in outcomes)
    if not outcome.passed and part in ctx.reference.module("carried").STEPS:
        credited, why_not = carried.try_carried(ctx, part, case_list, results)
        if credited:
            credited.error, credited.tolerance, credited.metric = outcome.error, outcome.tolerance, outcome.metric
            credited.tips = outcome.tips
            return credited, shapes
        if why_not and ctx.assignment.policy.error_carried_forward:
            outcome.message += "; " + why_not
    return outcome, shapes


def seed_inputs(ctx, part):
    """The fixed inputs of the notebook's checks, compared with the reference."""
    relative, _ = tolerances.metrics(ctx.reference)
    with cases.GLOBAL_RNG:
        case = ctx.reference.module("check_data").NOTEBOOK_CASES[part]()
    return run_cases(ctx, part, [case], tolerances.notebook_tolerance(ctx.reference, part), relative)


def _with_saturated(part, dtype, purpose, case_list):
    """The part's saturated cases appended (step functions only); returns (cases, their indices)."""
    if part not in cases.SATURATING_PARTS:
        return case_list, ()
    spec, _ = cases.LAYER_PARTS[part]
    extra = [cases.random_layer_inputs(spec, shape, dtype, cases.rng_for(part, purpose, "saturated", shape),
                                       saturated=True) for shape in cases.SATURATED_SHAPES]
    return case_list + extra, tuple(range(len(case_list), len(case_list) + len(extra)))


def varied_shapes(ctx, part):
    """Seeded random inputs with N, T, D, H each 1 somewhere, float64 (and saturated units for the steps)."""
    relative, _ = tolerances.metrics(ctx.reference)
    spec, _ = cases.LAYER_PARTS[part]
    case_list = [cases.random_layer_inputs(spec, shape, np.float64, cases.rng_for(part, "varied", shape))
                 for shape in cases.VARIED_SHAPES]
    case_list, saturated = _with_saturated(part, np.float64, "varied", case_list)
    return run_cases(ctx, part, case_list, tolerances.notebook_tolerance(ctx.reference, part), relative,
                     saturated=saturated)


def float32_inputs(ctx, part):
    """float32 inputs: results in float32 (or higher), close to the float64 reference of the same values."""
    _, scaled = tolerances.metrics(ctx.reference)
    spec, _ = cases.LAYER_PARTS[part]
    case_list = [cases.random_layer_inputs(spec, shape, np.float32, cases.rng_for(part, "float32", shape))
                 for shape in cases.FLOAT32_SHAPES]
    case_list, saturated = _with_saturated(part, np.float32, "float32", case_list)
    return run_cases(ctx, part, case_list, tolerances.SCALED_FLOAT32, scaled, saturated=saturated)


def numeric_gradient(perturbed, upstream, step):
    """Central differences from f(x + h e_i), f(x - h e_i) rows: one entry per element of x."""
    total = 0.0
    for rows, dout in zip(perturbed, upstream):
        plus, minus = rows[0::2], rows[1::2]
        total = total + ((plus - minus) * dout[None]).reshape(plus.shape[0], -1).sum(axis=1)
    return total / (2 * step)


def numeric_gradient_of_own_forward(ctx, part):
    """The student's gradients against finite differences of the student's own forward,
    for a forward that uses each of its inputs."""
    spec, _ = cases.LAYER_PARTS[part]
    case_list = [cases.random_layer_inputs(spec, shape, np.float64, cases.rng_for(part, "numeric", shape))
                 for shape in cases.NUMERIC_SHAPES]
    step = tolerances.NUMERIC_STEP
    results = Student(ctx.proxy).layers(spec, case_list, True, perturb=spec.grad_args, step=step,
                                        limits=LIMITS["numeric"])
    _, scaled = tolerances.metrics(ctx.reference)
    outcomes = []
    for case, result in zip(case_list, results):
        outcomes.append((shape_text(case, spec), _numeric_outcome(ctx, spec, case, result, step, scaled)))
    outcome, shapes = combine(outcomes), "; ".join(o[0] for o in outcomes)
    if not outcome.passed and part in ctx.reference.module("carried").STEPS:
        # A composite backward that walks the student's own step backward is not the
        # gradient of the composite forward when that step backward is wrong: charged there.
        credited, _ = carried.try_carried(ctx, part, case_list, results)
        if credited:
            return credited, shapes
    return outcome, shapes


def unusable_forward(ref, spec, case, result):
    """Why the student's forward output cannot be differentiated numerically
    (wrong shape, lower precision than the float64 inputs, NaN), or None."""
    expected = reference_results(ref, spec, case, False)
    for label, got, wanted in zip(spec.outputs, result.outputs, expected):
        problem = problem_with(got, wanted, label, Precision(np.float64))
        if problem:
            return problem
    return None


def _numeric_outcome(ctx, spec, case, result, step, metric):
    if result.error:
        message, hint_id = ctx.reference.module("diagnosis").error_finding(result.error, has_unit_dimension(case))
        return Outcome(False, message, hint=hint_id)
    unusable = unusable_forward(ctx.reference, spec, case, result)
    if unusable:
        # That mistake is charged at the forward; the backward is judged on its own.
        expected = reference_results(ctx.reference, spec, case, True)
        outcome = compare_outputs(list(zip(spec.grads, result.grads, expected)), tolerances.SCALED_NUMERIC, metric)
        outcome.message = ("your %s's output cannot be differentiated numerically (%s), so your gradients were "
                           "compared with the exact ones: %s" % (spec.forward, unusable, outcome.message))
        return outcome
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
        if not np.any(np.abs(numeric) > tolerances.DEPENDENCE):
            # A forward that ignores an input has a zero gradient there, and so does a
            # zero backward: that agreement proves nothing.
            return Outcome(False, "your %s does not depend on %s (its finite differences are all zero), so "
                           "this check cannot credit your %s" % (spec.forward, spec.args[arg_index], spec.backward))
        triples.append((label, grad, numeric))
    outcome = compare_outputs(triples, tolerances.SCALED_NUMERIC, metric)
    if not outcome.passed:
        outcome.message = "against finite differences of your forward: " + outcome.message
    return outcome


def repeated_words(ctx, part):
    """word_embedding_backward must add up the gradients of a word that occurs several times."""
    relative, _ = tolerances.metrics(ctx.reference)
    case = cases.repeated_index_inputs(cases.rng_for(part, "repeated"))
    return run_cases(ctx, part, [case], tolerances.notebook_tolerance(ctx.reference, part), relative)


def _bound(body, part):
    return lambda ctx: body(ctx, part)


def forward_checks(part):
    return [Check("seed_inputs", titles.SEED, _bound(seed_inputs, part), needs=("layers",),
                  counts_only_with=("varied_shapes",)),
            Check("varied_shapes", titles.VARIED, _bound(varied_shapes, part), needs=("layers",)),
            Check("float32", titles.FLOAT32, _bound(float32_inputs, part), needs=("layers",))]


def backward_checks(part):
    checks = [Check("seed_inputs", titles.SEED, _bound(seed_inputs, part), needs=("layers",),
                    counts_only_with=("varied_shapes",)),
              Check("varied_shapes", titles.VARIED, _bound(varied_shapes, part), needs=("layers",)),
              Check("numeric_gradient", titles.NUMERIC, _bound(numeric_gradient_of_own_forward, part),
                    needs=("layers",)),
              Check("float32", titles.FLOAT32, _bound(float32_inputs, part), needs=("layers",))]
    if cases.LAYER_PARTS[part][0].integer_args:
        checks.append(Check("repeated_words", titles.REPEATED, _bound(repeated_words, part), needs=("layers",)))
    return checks

"""Hidden checks of the ten graded layer functions.

Each check sends inputs to the sandboxed student code, gets numbers back and
compares them here with the reference (imported only in this trusted process).
A wrong result is named: by the error it raised, by its shape, dtype or
NaN, by the typical mistake whose result it equals (mistakes.py), or by which
of its outputs are wrong. A composite that is right once the step functions it
calls are replaced by correct ones keeps its points (replacements.py), and so
does a backward that is right against the exact gradients when its own forward
is wrong.
"""
import numpy as np

from autograder.assignment import Check
from autograder.compare import Outcome, Precision, combine, compare_outputs, problem_with

from . import cases, mistakes, replacements, tolerances, titles
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
    bound = max(tolerance, diagnosis.MATCH_TOLERANCE)
    hint_id = mistakes.matching_layer_mistake(ref, part, case, got, bound)
    if hint_id is None and not ctx.upstream_failed(part):   # a guess only when nothing upstream explains it
        hint_id = mistakes.structural_layer_hint(ref, part, case, labels, got, expected, bound)
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


def judge_cases(ctx, part, case_list, results, tolerance, metric, saturated=()):
    """One Outcome for the student's results on every case, and the cases' shapes."""
    spec, backward = cases.LAYER_PARTS[part]
    outcomes = [(shape_text(case, spec, backward),
                 compare_case(ctx, part, case, result, backward, tolerance, metric, k in saturated))
                for k, (case, result) in enumerate(zip(case_list, results))]
    outcome = combine(outcomes) if len(outcomes) > 1 else outcomes[0][1]
    return outcome, "; ".join(o[0] for o in outcomes)


def run_cases(ctx, part, case_list, tolerance, metric, limits="layers", saturated=()):
    """Compare every case; a failing part that uses graded functions charged elsewhere is
    judged again with those replaced by correct ones (replacements.retry)."""
    spec, backward = cases.LAYER_PARTS[part]
    results = Student(ctx.proxy).layers(spec, case_list, backward, limits=LIMITS[limits])
    outcome, shapes = judge_cases(ctx, part, case_list, results, tolerance, metric, saturated)
    if not outcome.passed:
        outcome = replacements.retry(ctx, part, outcome, lambda student: judge_cases(
            ctx, part, case_list, student.layers(spec, case_list, backward, limits=LIMITS[limits]),
            tolerance, metric, saturated)[0])
    return outcome, shapes


def seed_inputs(ctx, part):
    """The fixed inputs of the notebook's checks, compared with the reference."""
    relative, _ = tolerances.metrics(ctx.reference)
    with cases.GLOBAL_RNG:
        case = ctx.reference.module("check_data").NOTEBOOK_CASES[part]()
    outcome, shapes = run_cases(ctx, part, [case], tolerances.notebook_tolerance(ctx.reference, part), relative)
    outcome.tips += mistakes.batch_loop_tips(ctx, part)
    return outcome, shapes


def varied_shapes(ctx, part):
    """Seeded random inputs of ordinary shapes (every dimension 2 or more), float64."""
    relative, _ = tolerances.metrics(ctx.reference)
    spec, _ = cases.LAYER_PARTS[part]
    case_list = [cases.random_layer_inputs(spec, shape, np.float64, cases.rng_for(part, "varied", shape))
                 for shape in cases.VARIED_SHAPES]
    return run_cases(ctx, part, case_list, tolerances.notebook_tolerance(ctx.reference, part), relative)


def float32_inputs(ctx, part):
    """float32 inputs: results in float32 (or higher), close to the float64 reference of the same values."""
    _, scaled = tolerances.metrics(ctx.reference)
    spec, _ = cases.LAYER_PARTS[part]
    case_list = [cases.random_layer_inputs(spec, shape, np.float32, cases.rng_for(part, "float32", shape))
                 for shape in cases.FLOAT32_SHAPES]
    return run_cases(ctx, part, case_list, tolerances.SCALED_FLOAT32, scaled)


def edge_cases(ctx, part):
    """Size-1 dimensions (N, T, D or H of 1), float64; for the step functions also
    saturated units (pre-activations near +-50) in float64 and float32. A bug that
    shows only there costs this check, not the part."""
    relative, scaled = tolerances.metrics(ctx.reference)
    spec, _ = cases.LAYER_PARTS[part]
    unit = [cases.random_layer_inputs(spec, shape, np.float64, cases.rng_for(part, "varied", shape))
            for shape in cases.UNIT_SHAPES]
    outcomes = [run_cases(ctx, part, unit, tolerances.notebook_tolerance(ctx.reference, part), relative)]
    if part in cases.SATURATING_PARTS:
        for purpose, dtype, tolerance, metric in (
                ("varied", np.float64, tolerances.notebook_tolerance(ctx.reference, part), relative),
                ("float32", np.float32, tolerances.SCALED_FLOAT32, scaled)):
            saturated = [cases.random_layer_inputs(spec, shape, dtype, cases.rng_for(part, purpose, "saturated", shape),
                                                   saturated=True) for shape in cases.SATURATED_SHAPES]
            outcomes.append(run_cases(ctx, part, saturated, tolerance, metric, saturated=range(len(saturated))))
    outcome = combine([(shapes, outcome) for outcome, shapes in outcomes]) if len(outcomes) > 1 else outcomes[0][0]
    return outcome, "; ".join(shapes for _, shapes in outcomes)


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

    def judge(student):
        results = student.layers(spec, case_list, True, perturb=spec.grad_args, step=step, limits=LIMITS["numeric"])
        outcomes = [(shape_text(case, spec), _numeric_outcome(ctx, spec, case, result, step))
                    for case, result in zip(case_list, results)]
        return combine(outcomes), results

    outcome, results = judge(Student(ctx.proxy))
    shapes = "; ".join(shape_text(case, spec) for case in case_list)
    if not outcome.passed and ctx.part_failed(spec.forward) and ctx.assignment.policy.error_carried_forward:
        exact = against_exact_gradients(ctx, part, case_list, results)
        if exact is not None:
            return exact, shapes
    if not outcome.passed:
        outcome = replacements.retry(ctx, part, outcome, lambda student: judge(student)[0])
    return outcome, shapes


def against_exact_gradients(ctx, part, case_list, results):
    """A pass when the backward's gradients equal the reference's on every case: its own
    forward fails its own checks, so finite differences of that forward cannot judge it."""
    spec, _ = cases.LAYER_PARTS[part]
    relative, _ = tolerances.metrics(ctx.reference)
    tolerance = tolerances.notebook_tolerance(ctx.reference, part)
    outcomes = [(shape_text(case, spec), compare_case(ctx, part, case, result, True, tolerance, relative))
                for case, result in zip(case_list, results)]
    outcome = combine(outcomes)
    if not outcome.passed:
        return None
    title = ctx.assignment.parts[spec.forward].title
    outcome.message = ctx.reference.module("diagnosis").judged_by_exact_gradients(title, outcome.message)
    return outcome


def unusable_forward(ref, spec, case, result):
    """Why the student's forward output cannot be differentiated numerically
    (wrong shape, lower precision than the float64 inputs, NaN), or None."""
    expected = reference_results(ref, spec, case, False)
    for label, got, wanted in zip(spec.outputs, result.outputs, expected):
        problem = problem_with(got, wanted, label, Precision(np.float64))
        if problem:
            return problem
    return None


def _numeric_outcome(ctx, spec, case, result, step):
    if result.error:
        message, hint_id = ctx.reference.module("diagnosis").error_finding(result.error, has_unit_dimension(case))
        return Outcome(False, message, hint=hint_id)
    unusable = unusable_forward(ctx.reference, spec, case, result)
    _, metric = tolerances.metrics(ctx.reference)
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


def _edge_check(part):
    title = titles.EDGE_SATURATED if part in cases.SATURATING_PARTS else titles.EDGE
    return Check("edge_cases", title, _bound(edge_cases, part), needs=("layers",))


def forward_checks(part):
    return [Check("seed_inputs", titles.SEED, _bound(seed_inputs, part), needs=("layers",),
                  counts_only_with=("varied_shapes",)),
            Check("varied_shapes", titles.VARIED, _bound(varied_shapes, part), needs=("layers",)),
            Check("float32", titles.FLOAT32, _bound(float32_inputs, part), needs=("layers",)),
            _edge_check(part)]


def backward_checks(part):
    checks = [Check("seed_inputs", titles.SEED, _bound(seed_inputs, part), needs=("layers",),
                    counts_only_with=("varied_shapes",)),
              Check("varied_shapes", titles.VARIED, _bound(varied_shapes, part), needs=("layers",)),
              Check("numeric_gradient", titles.NUMERIC, _bound(numeric_gradient_of_own_forward, part),
                    needs=("layers",)),
              Check("float32", titles.FLOAT32, _bound(float32_inputs, part), needs=("layers",))]
    if cases.LAYER_PARTS[part][0].integer_args:
        checks.append(Check("repeated_words", titles.REPEATED, _bound(repeated_words, part), needs=("layers",)))
    return checks + [_edge_check(part)]

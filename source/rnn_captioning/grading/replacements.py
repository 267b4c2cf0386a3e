"""One mistake, one charge: a check run again with the graded functions it
uses replaced by correct ones.

When a check fails and a graded function it may call failed its own part (or
did not finish), the check's calls are made again with the written functions
put aside: in the sandbox, stubs take their place (childlib.replaced_functions)
and ask this process, which answers with the reference. No reference code and
no hidden input enters the student's process; a stub only learns the correct
result of the call it was given. A part that is right that way earns its
points, and its report names the function whose error was charged, and where.

Nothing is carried forward from a function never written (NotImplementedError,
None, the starter's value) or degenerate (zeros, a constant, an input returned
unchanged): such a function is never replaced, so a check that needs it fails
with it.
"""
import ast
import threading
from dataclasses import dataclass, field

import numpy as np

from autograder.assignment import upstream_closure

from . import cases
from .tolerances import LIMITS

# The model's method the trainings may have replaced, by the parts that grade it.
LOSS_PARTS = {"rnn_loss": "rnn", "lstm_loss": "lstm"}
# The trusted side answers calls up to this size (elements of all arguments together).
MAX_ELEMENTS = 20_000_000
_PROBE_LOCK = threading.Lock()


@dataclass
class Replacement:
    """The functions a retry puts aside: `functions` (graded layer functions, and
    "loss" for the model's method) and, of those, `charged`: the parts whose own
    checks failed, whose errors a credited retry names."""
    functions: tuple
    charged: tuple
    model: dict = None            # the model the replaced loss belongs to (cell_type, vocabulary, sizes)
    specs: list = field(default_factory=list)

    def answer(self, ref):
        """oracle(meta, arrays) -> (meta, arrays): the reference's results for the stubs' calls."""
        return Answers(ref, self)


def _layer_spec(name):
    return cases.LAYER_PARTS.get(name, (None, None))


def consumers(forward, parts):
    """The graded functions that may be handed a cache of `forward`: its backward, and the
    backwards built on that backward (rubric depends_on: a composite backward walks its
    step backward over the step forward's caches)."""
    spec, _ = _layer_spec(forward)
    found = {spec.backward}
    found |= {name for name, (other, backward) in cases.LAYER_PARTS.items()
              if backward and name in parts and spec.backward in parts[name].depends_on}
    return found


def child_specs(functions, parts):
    """What the child needs to put stubs in place of `functions` (childlib.replaced_functions).
    A replaced forward also calls the student's own forward for its cache when student code
    may still read that cache (a function that consumes it is not replaced)."""
    specs = []
    for name in functions:
        if name == "loss":
            specs.append({"kind": "method", "class": "CaptioningRNN", "name": "loss",
                          "args": ["features", "captions"], "state": "params",
                          "returns": [["scalar", "loss"], ["dict", "grad"]]})
            continue
        spec, backward = _layer_spec(name)
        if backward:
            specs.append({"kind": "backward", "name": name, "forward": spec.forward,
                          "upstream": list(spec.upstream), "n_grads": len(spec.grads)})
            if spec.forward not in functions:      # the student's forward, its calls recorded for it
                specs.append({"kind": "recorded", "name": spec.forward, "args": list(spec.args)})
        else:
            specs.append({"kind": "forward", "name": name, "args": list(spec.args),
                          "n_outputs": len(spec.outputs),
                          "own_cache": not consumers(name, parts) <= set(functions)})
    return specs


class Answers:
    """The trusted side of the stubs: every call is checked (a name this retry
    replaces, numeric arrays of bounded size) and computed with the reference."""

    def __init__(self, ref, replacement):
        self.ref, self.replacement = ref, replacement
        self.allowed = set(replacement.functions)

    def __call__(self, meta, arrays):
        name = meta.get("call")
        if name not in self.allowed:
            return {"error": "%r is not replaced in this run" % (name,)}, {}
        if sum(np.size(value) for value in arrays.values()) > MAX_ELEMENTS:
            return {"error": "the arguments of %s are too large for this check" % name}, {}
        try:
            if name == "loss":
                return {}, self._loss(arrays)
            return {}, self._layer(name, arrays)
        except (ValueError, TypeError, IndexError, KeyError, FloatingPointError) as exc:
            # What a correct function would raise on these arguments (shapes that do not fit).
            return {"error": "the correct %s, put in place of yours, raised %s: %s"
                    % (name, type(exc).__name__, str(exc)[:300])}, {}

    def _args(self, spec, arrays, names):
        values = []
        for index, arg in enumerate(names):
            value = arrays.get("arg:%s" % arg)
            if value is None:
                raise ValueError("argument %s is missing" % arg)
            if arg in [spec.args[i] for i in spec.integer_args] and value.dtype.kind not in "iu":
                raise TypeError("%s must hold integer word indices, not %s" % (arg, value.dtype))
            values.append(value)
        return values

    def _layer(self, name, arrays):
        layers = self.ref.module("rnn_layers")
        spec, backward = _layer_spec(name)
        args = self._args(spec, arrays, spec.args)
        result = getattr(layers, spec.forward)(*args)
        if not backward:
            return {"out%d" % k: np.asarray(result[k]) for k in range(len(spec.outputs))}
        upstream = []
        for arg in spec.upstream:
            value = arrays.get("upstream:%s" % arg)
            if value is None:
                raise ValueError("upstream gradient %s is missing" % arg)
            upstream.append(value)
        grads = getattr(layers, spec.backward)(*upstream, result[-1])
        grads = grads if isinstance(grads, tuple) else (grads,)
        return {"grad%d" % k: np.asarray(g) for k, g in enumerate(grads)}

    def _loss(self, arrays):
        model_case = self.replacement.model
        with cases.GLOBAL_RNG:
            model = self.ref.module("classifiers.rnn").CaptioningRNN(
                model_case["word_to_idx"], input_dim=model_case["input_dim"],
                wordvec_dim=model_case["wordvec_dim"], hidden_dim=model_case["hidden_dim"],
                cell_type=model_case["cell_type"], dtype=model_case["dtype"])
        for name, expected in model.params.items():
            value = arrays.get("state:%s" % name)
            if value is None or value.shape != expected.shape or value.dtype.kind != "f":
                raise ValueError("params['%s'] should be a float array of shape %s" % (name, expected.shape))
            model.params[name] = value
        features, captions = arrays.get("arg:features"), arrays.get("arg:captions")
        if features is None or captions is None or captions.dtype.kind not in "iu":
            raise TypeError("loss(features, captions) takes a float array and integer word indices")
        loss, grads = model.loss(features, captions)
        answer = {"loss": np.asarray(loss, dtype=np.float64)}
        answer.update(("grad:%s" % key, np.asarray(value)) for key, value in grads.items())
        return answer


# ---------------------------------------------------------------------------
# Which functions are written: never written or degenerate ones are never replaced
# ---------------------------------------------------------------------------

UNWRITTEN = ("NotImplementedError", "is None (not computed)")


def _placeholder(statement):
    """Whether a statement of a function body is the starter's kind, not code of one's own:
    a docstring, pass, a raise, names set to None, a return of names or None."""
    if isinstance(statement, (ast.Pass, ast.Raise)):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return True
    nothing = (lambda node: isinstance(node, ast.Constant) and node.value is None or
               isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) and e.value is None
                                                   for e in node.elts))
    if isinstance(statement, ast.Assign):
        return nothing(statement.value)
    if isinstance(statement, ast.Return):
        value = statement.value
        return value is None or nothing(value) or isinstance(value, ast.Name) or (
            isinstance(value, ast.Tuple) and all(isinstance(e, (ast.Name, ast.Constant)) for e in value.elts))
    return False


def written_functions(source):
    """{name of each function defined at the top of source: whether its body holds code of
    its own}, read from the text alone (never run); {} when it does not parse."""
    try:
        tree = ast.parse(source or "")
    except (SyntaxError, ValueError):
        return {}
    return {node.name: not all(_placeholder(statement) for statement in node.body)
            for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _unwritten(error):
    return error is not None and any(text in error for text in UNWRITTEN)


def _degenerate(values, other_values, inputs):
    """Why a function's results prove nothing (all zero, the same for other inputs,
    an input returned unchanged), or None."""
    values = [v for v in values if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    if not values:
        return "it returns no numbers"
    if all(not np.any(v) for v in values):
        return "it returns zeros"
    others = [v for v in other_values if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    if len(others) == len(values) and all(a.shape == b.shape and np.array_equal(a, b)
                                          for a, b in zip(values, others)):
        return "it returns the same for other inputs"
    for value in values:
        for arg in inputs:
            if np.shape(arg) == value.shape and np.allclose(value, arg):
                return "it returns an input unchanged"
    return None


def _probe_layers(ctx):
    """{graded layer function: None when it is written and not degenerate, else why not}:
    written is read from the student's text; degenerate from two calls of each function
    on probe inputs of an ordinary shape (a function that raises there is still written)."""
    from .student import Student
    written = written_functions(ctx.sources.get("layers")) if ctx.sources.get("layers") else None
    found = {}
    for spec in cases.LAYERS:
        names = (spec.forward, spec.backward)
        probes = [cases.random_layer_inputs(spec, (2, 3, 4, 5), np.float64, cases.rng_for(spec.forward, "probe", k))
                  for k in range(2)]
        try:
            first, second = Student(ctx.proxy).layers(spec, probes, True, limits=LIMITS["layers"])
        except Exception:     # the run did not finish: judged on the text alone
            first = second = None
        for name, backward in zip(names, (False, True)):
            if written is not None and not written.get(name):
                found[name] = "it is not written yet"
                continue
            if first is None:
                found[name] = None
                continue
            got = (first.grads, second.grads) if backward else (first.outputs, second.outputs)
            if any(value is None for value in got[0] + got[1]):
                if written is not None:
                    found[name] = None          # written, and it raises here: it may be replaced
                    continue
                # Without the text: the error is this function's own when its forward gave outputs.
                own = not backward or all(value is not None for value in first.outputs + second.outputs)
                if not own:
                    found[name] = "it could not be called (its %s raised)" % spec.forward
                else:
                    found[name] = "it is not written yet" if any(_unwritten(r.error) for r in (first, second)) \
                        else None
                continue
            inputs = [probes[0][n] for n in (spec.upstream if backward else spec.args)]
            found[name] = _degenerate(got[0], got[1], inputs)
    return found


def unusable(ctx):
    """{graded layer function: why it is never replaced (None: it may be)}, probed once per grading."""
    with _PROBE_LOCK:
        if "unusable" not in ctx.memo:
            ctx.memo["unusable"] = _probe_layers(ctx)
    return ctx.memo["unusable"]


# ---------------------------------------------------------------------------
# Which functions a retry replaces
# ---------------------------------------------------------------------------

def charged_parts(ctx):
    """The graded functions charged elsewhere so far: parts with a failing check, and
    functions that did not finish in an earlier run."""
    hung = set(getattr(ctx.proxy, "hung", ()) or ())
    failing = {part for part in cases.LAYER_PARTS if ctx.part_failed(part)}
    return failing | {name for name in hung if name in cases.LAYER_PARTS}


def own_pair(part):
    spec, _ = _layer_spec(part)
    return {spec.forward, spec.backward} if spec else set()


def for_part(ctx, part):
    """The retry of a failing check of `part` (a layer function, or the model's loss or
    sample): every written graded layer function but the part's own pair put aside,
    when one that may explain the failure is charged elsewhere. None: no retry."""
    if not ctx.assignment.policy.error_carried_forward:
        return None
    own = own_pair(part)
    uses = set(upstream_closure(part, ctx.assignment.parts)) - own
    if not uses:        # it calls no graded function but its own pair's
        return None
    charged = sorted(charged_parts(ctx) - own, key=list(cases.LAYER_PARTS).index)
    if not charged:
        return None
    why_not = unusable(ctx)
    functions = tuple(name for name in cases.LAYER_PARTS if name not in own and why_not.get(name) is None)
    replaced = [name for name in charged if name in functions]
    named = tuple(name for name in replaced if name in uses) or tuple(replaced)
    replacement = Replacement(functions, named)
    replacement.specs = child_specs(functions, ctx.assignment.parts)
    replacement.skipped = {name: why_not[name] for name in charged if why_not.get(name)}
    return replacement


def users(names, parts):
    """The graded layer functions that use any of `names`, directly or through others (rubric depends_on)."""
    found, added = set(), True
    while added:
        added = False
        for name in cases.LAYER_PARTS:
            if name not in found and name in parts and set(parts[name].depends_on) & (set(names) | found):
                found.add(name)
                added = True
    return found


def for_training(ctx, cell_type, model_case):
    """The retry of a failing training: the functions it uses that failed elsewhere (layer
    functions, and the loss when its own part failed) put aside, with every function built
    on them and the partner of each (so the student's code that remains is what no other
    part found wrong, and few calls cross to this side). None: nothing is charged, or
    every function it uses failed its own part."""
    if not ctx.assignment.policy.error_carried_forward:
        return None
    part = "overfit_%s" % cell_type
    parts = ctx.assignment.parts
    uses = set(upstream_closure(part, parts))
    why_not = unusable(ctx)
    charged = [name for name in cases.LAYER_PARTS if name in charged_parts(ctx) and name in uses]
    loss_part = "%s_loss" % cell_type
    loss_charged = ctx.part_failed(loss_part) and not _loss_unwritten(ctx, loss_part)
    if not charged and not loss_charged:
        return None
    wanted = set(charged) | (users(charged, parts) & uses)
    for name in list(wanted):
        wanted |= own_pair(name)
    functions = tuple(name for name in cases.LAYER_PARTS if name in wanted and why_not.get(name) is None)
    if loss_charged:
        functions += ("loss",)
    # A training has no code of its own: it earns its points again only when some function
    # it uses, left in place, passed its own part (all replaced, nothing of yours would train).
    kept = [name for name in uses if name in cases.LAYER_PARTS and name not in functions]
    kept += [] if loss_charged else [loss_part]
    if not any(not ctx.part_failed(name) for name in kept):
        return None
    named = tuple(name for name in charged if name in functions) + ((loss_part,) if loss_charged else ())
    replacement = Replacement(functions, named, model=model_case)
    replacement.specs = child_specs(functions, parts)
    replacement.skipped = {name: why_not[name] for name in charged if why_not.get(name)}
    return replacement


NOT_WRITTEN_HINTS = ("not_implemented", "returns_none", "starter_value", "import_error")


def _loss_unwritten(ctx, loss_part):
    """Whether the loss's own checks show it never written (it is then never replaced)."""
    return any(row.part == loss_part and not row.outcome.passed and row.outcome.hint in NOT_WRITTEN_HINTS
               for row in ctx.rows)


# ---------------------------------------------------------------------------
# The retry
# ---------------------------------------------------------------------------

def retry(ctx, part, outcome, judge, replacement=None):
    """The failing outcome of a check of `part`, judged again: judge(student) -> Outcome
    makes the check's calls through a Student whose replacement puts aside the graded
    functions charged elsewhere. A pass credits the check and names their parts
    (Outcome.carried_from); a failure keeps the retry's own diagnosis (the mistake in
    this part's code) and says so."""
    from autograder.compare import Outcome
    from .student import Student, StudentRunFailed
    replacement = replacement or for_part(ctx, part)
    if replacement is None:
        return outcome
    try:
        again = judge(Student(ctx.proxy, replacement, ctx.reference))
    except StudentRunFailed as exc:
        again = Outcome(False, str(exc))
    if again.passed and replacement.charged:
        return Outcome(True, "%s (%s)" % (credited_message(ctx, replacement), again.message), again.error,
                       again.tolerance, again.metric, list(outcome.tips) + [t for t in again.tips if t not in outcome.tips],
                       carried_from=replacement.charged)
    if again.passed:        # nothing it was given was wrong: the first verdict stands
        return outcome
    kept = again if again.message and not again.message.startswith("your code did not finish") else outcome
    kept.tips = list(outcome.tips) + [t for t in kept.tips if t not in outcome.tips]
    kept.tried_without = tuple(replacement.charged)
    note = not_credited_note(ctx, replacement)
    if note:
        kept.message += "; " + note
    return kept


# ---------------------------------------------------------------------------
# What the report says
# ---------------------------------------------------------------------------

def credited_message(ctx, replacement):
    """What a check credited by its retry says: which functions' errors were charged, and where."""
    titles = [ctx.assignment.parts[name].title if name in ctx.assignment.parts else name
              for name in replacement.charged]
    return ctx.reference.module("diagnosis").charged_elsewhere(titles)


def not_credited_note(ctx, replacement):
    """Why the retry did not credit the check: it fails with correct versions too, and
    which charged functions could not be replaced (never written or degenerate)."""
    note = ""
    if replacement.charged:
        titles = [ctx.assignment.parts[name].title if name in ctx.assignment.parts else name
                  for name in replacement.charged]
        note = ctx.reference.module("diagnosis").fix_first(titles, checked_with_correct=True)
    skipped = getattr(replacement, "skipped", {})
    if skipped:
        why = "; ".join("your %s: %s" % (name, reason) for name, reason in skipped.items())
        note += ("; " if note else "") + "nothing is carried forward from a function never written or " \
                                         "degenerate (%s)" % why
    return note

"""Error carried forward for the composite layers (rnn_forward, rnn_backward,
lstm_forward, lstm_backward).

A composite that is wrong only because the student's own step function is
wrong keeps its points: the step's error is charged once, at the step. The
trusted side establishes "right given your step" itself, round by round:

- forward: at every step t it asks the student's step function (a fresh
  child per round) for its output from the composite's OWN previous state
  (h[:, t-1], and for the LSTM the cell state the step itself carried), and
  checks that the composite returned exactly that;
- backward: it walks the steps backward the same way, feeding the student's
  step backward the upstream gradient dh[:, t] plus what flowed back from
  step t + 1, adds up the weight gradients, and compares the composite's.

The inputs of every round are chosen here, from the composite's results, and
each round is a separate process, so a consistent answer takes a real loop
over the step. Credit also needs a step that really computes something: its
output must change with x, the previous state (and cell state), Wx and Wh,
the inputs a composite threads from step to step, and the step backward's
with its upstream gradient. A step and a composite that agree because both
return zeros, their input or a constant earn nothing here. (A step that only
forgets the bias b is a real step with a mistake: it is not refused.)
"""
import numpy as np

from autograder.compare import Outcome

from . import cases
from .student import Student
from .tolerances import LIMITS

STEPS = {"rnn_forward": ("rnn_step_forward",), "rnn_backward": ("rnn_step_forward", "rnn_step_backward"),
         "lstm_forward": ("lstm_step_forward",), "lstm_backward": ("lstm_step_forward", "lstm_step_backward")}
CONSISTENCY = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-3}
DEPENDENCE = 1e-6     # a perturbed input must move the step's output at least this much (scaled)


class NotCarried(Exception):
    """Error carried forward does not apply; str() says why, for the report."""


def _scaled(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    nan = np.isnan(a) | np.isnan(b)
    if np.any(np.isnan(a) != np.isnan(b)):
        return np.inf
    a, b = np.where(nan, 0.0, a), np.where(nan, 0.0, b)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-12)) if a.size else 0.0


class StepRounds:
    """Evaluates the student's step function on inputs chosen here, one child run per round."""

    def __init__(self, ctx, lstm):
        self.student, self.lstm = Student(ctx.proxy), lstm
        self.spec = cases.LSTM_STEP if lstm else cases.RNN_STEP

    def run(self, step_cases, backward=False):
        limits = LIMITS["layers"]
        results = self.student.layers(self.spec, step_cases, backward, limits=limits)
        for result in results:
            if result.error:
                raise NotCarried("your %s raised on the composite's own states"
                                 % (self.spec.backward if backward else self.spec.forward))
            values = result.grads if backward else result.outputs
            if any(v is None or v.dtype.kind != "f" for v in values):
                raise NotCarried("your step function's results are not float arrays")
        return results

    def step_case(self, case, t, prev_h, prev_c=None, upstream=None):
        step = {"x": np.ascontiguousarray(case["x"][:, t]), "prev_h": np.ascontiguousarray(prev_h),
                "Wx": case["Wx"], "Wh": case["Wh"], "b": case["b"]}
        if self.lstm:
            step["prev_c"] = np.ascontiguousarray(prev_c)
        if upstream is not None:
            step.update(upstream)
        return step


def check_dependence(rounds, case):
    """NotCarried unless the step's output moves with each of its inputs (first step of the case)."""
    rng = np.random.default_rng(7)
    zeros = np.zeros_like(case["h0"])
    base = rounds.step_case(case, 0, case["h0"], zeros if rounds.lstm else None)
    names = [name for name in rounds.spec.args if name != "b"]
    variants = [base]
    for name in names:
        moved = dict(base)
        moved[name] = (base[name] + 0.5 * rng.standard_normal(np.shape(base[name]))).astype(base[name].dtype)
        variants.append(moved)
    results = rounds.run(variants)
    reference = results[0].outputs
    for name, result in zip(names, results[1:]):
        if max(_scaled(got, ref) for got, ref in zip(result.outputs, reference)) < DEPENDENCE:
            raise NotCarried("your %s does not depend on %s" % (rounds.spec.forward, name))


def forward_states(rounds, case, h):
    """The step's outputs at every t from the composite's own previous states:
    (step h per t, cell state per t or None)."""
    T = case["x"].shape[1]
    step_h, cells = [], []
    prev_c = np.zeros_like(case["h0"], dtype=h.dtype) if rounds.lstm else None
    if not rounds.lstm:     # every previous state is known: one round
        results = rounds.run([rounds.step_case(case, t, case["h0"] if t == 0 else h[:, t - 1]) for t in range(T)])
        return [r.outputs[0] for r in results], None
    for t in range(T):      # the cell state comes from the step itself: one round per step
        (result,) = rounds.run([rounds.step_case(case, t, case["h0"] if t == 0 else h[:, t - 1], prev_c)])
        step_h.append(result.outputs[0])
        prev_c = result.outputs[1]
        cells.append(prev_c)
    return step_h, cells


def carried_forward(ctx, case, result, lstm, tolerance):
    """None when the composite forward's h is its own step's loop; else NotCarried."""
    rounds = StepRounds(ctx, lstm)
    h = result.outputs[0]
    if h is None or np.shape(h) != np.shape(case["x"])[:2] + (case["h0"].shape[1],):
        raise NotCarried("its output does not have the shape (N, T, H)")
    step_h, _ = forward_states(rounds, case, h)
    worst = max(_scaled(h[:, t], s) for t, s in enumerate(step_h))
    if worst > tolerance:
        raise NotCarried("its result is not the loop over your own %s either" % rounds.spec.forward)


def carried_backward(ctx, case, result, lstm, tolerance):
    """None when the composite backward's gradients are its own step backward's,
    walked back over its own forward's states; else NotCarried."""
    rounds = StepRounds(ctx, lstm)
    h = result.outputs[0] if result.outputs else None
    N, T, _ = case["x"].shape
    if h is None or np.shape(h) != (N, T, case["h0"].shape[1]):
        raise NotCarried("its forward's output does not have the shape (N, T, H)")
    _, cells = forward_states(rounds, case, h)
    dout = case["dout"]
    dnext_h = np.zeros_like(case["h0"])
    dnext_c = np.zeros_like(case["h0"]) if lstm else None
    dx = [None] * T
    totals = None
    for t in reversed(range(T)):
        prev_h = case["h0"] if t == 0 else h[:, t - 1]
        prev_c = (np.zeros_like(case["h0"]) if t == 0 else cells[t - 1]) if lstm else None
        upstream = {"dnext_h": np.ascontiguousarray(dout[:, t] + dnext_h)}
        if lstm:
            upstream["dnext_c"] = np.ascontiguousarray(dnext_c)
        step = rounds.step_case(case, t, prev_h, prev_c, upstream)
        probe = dict(step, dnext_h=step["dnext_h"] + 1.0)
        got, moved = rounds.run([step, probe], backward=True)
        if t == T - 1 and max(_scaled(a, b) for a, b in zip(moved.grads, got.grads)) < DEPENDENCE:
            raise NotCarried("your %s does not depend on its upstream gradient" % rounds.spec.backward)
        grads = got.grads
        dx[t] = grads[0]
        dnext_h = grads[1]
        if lstm:
            dnext_c = grads[2]
        weights = grads[-3:]
        totals = list(weights) if totals is None else [a + b for a, b in zip(totals, weights)]
    walked = [np.stack(dx, axis=1), dnext_h] + totals
    worst = max(_scaled(got, expected) if got is not None and np.shape(got) == np.shape(expected) else np.inf
                for got, expected in zip(result.grads, walked))
    if worst > tolerance:
        raise NotCarried("its gradients are not your own %s walked back over time either" % rounds.spec.backward)


def try_carried(ctx, part, case_list, results):
    """An Outcome crediting the composite under error carried forward, or (None, why not).

    Applies when the course's policy allows it and a step function the part
    uses failed its own checks earlier."""
    steps = [step for step in STEPS.get(part, ()) if ctx.part_failed(step)]
    if not steps or not ctx.assignment.policy.error_carried_forward:
        return None, None
    lstm, backward = part.startswith("lstm"), part.endswith("backward")
    try:
        check_dependence(StepRounds(ctx, lstm), case_list[0])
        for case, result in zip(case_list, results):
            if result.error:
                raise NotCarried("it raised")
            tolerance = CONSISTENCY.get(np.dtype(case["x"].dtype), 1e-3)
            (carried_backward if backward else carried_forward)(ctx, case, result, lstm, tolerance)
    except NotCarried as exc:
        return None, "not credited under error carried forward: %s" % exc
    names = " and ".join("`%s`" % step for step in steps)
    return Outcome(True, "correct given your %s (its own loop over your step%s); %s error is charged once, "
                   "there" % (names, "s" if len(steps) > 1 else "", "their" if len(steps) > 1 else "that function's"),
                   carried_from=tuple(steps)), None

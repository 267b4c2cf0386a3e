"""Error carried forward for the composite layers, on the trusted side.

The walk itself is the package's (captioning/carried.py, the instructor's
copy): the same decision the notebook's checks make. Here the student's step
functions are reached through the sandbox, one fresh child per round, with
the inputs of every round chosen on this side from the composite's own
results: a consistent answer takes a real loop over the step (a round never
knows what the composite returned, only its previous state). Credit also
needs a step that depends on the inputs a composite threads through it, and
a step backward that depends on its upstream gradient: degenerate steps
(zeros, a constant, an input unchanged) earn nothing.
"""
import numpy as np

from autograder.compare import Outcome

from . import cases
from .student import Student
from .tolerances import LIMITS

CONSISTENCY = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-3}


def sandbox_steps(ctx, lstm, public):
    """run_steps / run_backward_steps that evaluate the student's step functions in the sandbox."""
    student, spec = Student(ctx.proxy), (cases.LSTM_STEP if lstm else cases.RNN_STEP)

    def evaluate(inputs, backward):
        results = student.layers(spec, inputs, backward, limits=LIMITS["layers"])
        for result in results:
            if result.error:
                raise public.NotCarried("your %s raised on the composite's own states"
                                        % (spec.backward if backward else spec.forward))
            values = result.grads if backward else result.outputs
            if any(v is None or v.dtype.kind != "f" for v in values):
                raise public.NotCarried("your step function's results are not float arrays")
        return [tuple(r.grads if backward else r.outputs) for r in results]

    return (lambda inputs: evaluate(inputs, False)), (lambda inputs: evaluate(inputs, True))


def try_carried(ctx, part, case_list, results):
    """(an Outcome crediting the composite under error carried forward, None), or
    (None, why not). Applies when the course's policy allows it and a step
    function the part uses failed its own checks earlier."""
    public = ctx.reference.module("carried")
    steps = [step for step in public.STEPS.get(part, ()) if ctx.part_failed(step)]
    if not steps or not ctx.assignment.policy.error_carried_forward:
        return None, None
    lstm, backward = part.startswith("lstm"), part.endswith("backward")
    run_steps, run_backward_steps = sandbox_steps(ctx, lstm, public)
    try:
        ignored = public.ignored_input(run_steps, case_list[0], lstm)
        if ignored:
            raise public.NotCarried("your %s does not depend on %s" % (public.STEPS[part][0], ignored))
        for case, result in zip(case_list, results):
            if result.error:
                raise public.NotCarried("it raised")
            tolerance = CONSISTENCY.get(np.dtype(case["x"].dtype), 1e-3)
            h = result.outputs[0] if result.outputs else None
            if backward:
                public.carried_backward(case, h, result.grads, run_steps, run_backward_steps, lstm, tolerance)
            else:
                public.carried_forward(case, h, run_steps, lstm, tolerance)
    except public.NotCarried as exc:
        return None, "not credited under error carried forward: %s" % exc
    names = " and ".join("`%s`" % step for step in steps)
    return Outcome(True, "correct given your %s (its own loop over your step%s); %s error is charged once, "
                   "there" % (names, "s" if len(steps) > 1 else "", "their" if len(steps) > 1 else "that function's"),
                   carried_from=tuple(steps)), None

"""Error carried forward: is a composite layer right given your own step functions?

rnn_forward, rnn_backward, lstm_forward and lstm_backward are built from the
step functions. When a step function is wrong, a composite that loops over it
correctly is right given that step, and keeps its points: the step's error
is charged once, at the step. These functions decide it, from the
composite's OWN results: at every step t they ask the step function for its
output from the composite's own previous state, and check that the
composite returned exactly that (backward: walk the step backward over
time). They also refuse a step that ignores its inputs (zeros, a constant,
its input unchanged): a composite that agrees with such a step proves
nothing.

The step functions are reached through callables that evaluate a batch of
calls, so the same walk serves the notebook's checks (your functions, in
your kernel) and the autograder (your functions, in its sandbox):
    run_steps([{"x": ..., "prev_h": ..., ...}, ...]) -> [(next_h,) or (next_h, next_c), ...]
    run_backward_steps([{... "dnext_h": ..., "dnext_c": ...}, ...]) -> [gradients, ...]
"""
import numpy as np

STEPS = {"rnn_forward": ("rnn_step_forward",), "rnn_backward": ("rnn_step_forward", "rnn_step_backward"),
         "lstm_forward": ("lstm_step_forward",), "lstm_backward": ("lstm_step_forward", "lstm_step_backward")}
# The inputs a composite threads from step to step: a step must depend on each.
THREADED = {False: ("x", "prev_h", "Wx", "Wh"), True: ("x", "prev_h", "prev_c", "Wx", "Wh")}
DEPENDENCE = 1e-6


class NotCarried(Exception):
    """The composite is not right given the step functions either; str() says why."""


def scaled_difference(a, b):
    """max |a - b| / max |b|, where NaN matches NaN (a NaN the step itself produces)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or np.any(np.isnan(a) != np.isnan(b)):
        return np.inf
    if a.size == 0:
        return 0.0
    a, b = np.where(np.isnan(a), 0.0, a), np.where(np.isnan(b), 0.0, b)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-12))


def step_input(case, t, prev_h, prev_c=None, lstm=False):
    inputs = {"x": np.ascontiguousarray(case["x"][:, t]), "prev_h": np.ascontiguousarray(prev_h),
              "Wx": case["Wx"], "Wh": case["Wh"], "b": case["b"]}
    if lstm:
        inputs["prev_c"] = np.ascontiguousarray(prev_c)
    return inputs


def ignored_input(run_steps, case, lstm):
    """The name of an input the step's output does not move with (first step of case), or None."""
    rng = np.random.default_rng(7)
    base = step_input(case, 0, case["h0"], np.zeros_like(case["h0"]), lstm)
    names = THREADED[lstm]
    variants = [base]
    for name in names:
        moved = dict(base)
        moved[name] = (base[name] + 0.5 * rng.standard_normal(np.shape(base[name]))).astype(base[name].dtype)
        variants.append(moved)
    outputs = run_steps(variants)
    for name, result in zip(names, outputs[1:]):
        if max(scaled_difference(got, ref) for got, ref in zip(result, outputs[0])) < DEPENDENCE:
            return name
    return None


def walk_forward(case, h, run_steps, lstm):
    """The step's outputs at every t from the composite's own states: (h per step, cell per step or None)."""
    T = case["x"].shape[1]
    if not lstm:     # every previous state is known: one batch
        outputs = run_steps([step_input(case, t, case["h0"] if t == 0 else h[:, t - 1]) for t in range(T)])
        return [out[0] for out in outputs], None
    step_h, cells = [], []
    prev_c = np.zeros(case["h0"].shape, dtype=np.result_type(h, case["h0"]))
    for t in range(T):      # the cell state comes from the step itself
        (out,) = run_steps([step_input(case, t, case["h0"] if t == 0 else h[:, t - 1], prev_c, True)])
        step_h.append(out[0])
        prev_c = out[1]
        cells.append(prev_c)
    return step_h, cells


def carried_forward(case, h, run_steps, lstm, tolerance):
    """The worst difference between the composite's h and its own step's loop; NotCarried when too large."""
    if h is None or np.shape(h) != np.shape(case["x"])[:2] + (np.shape(case["h0"])[1],):
        raise NotCarried("its output does not have the shape (N, T, H)")
    step_h, _ = walk_forward(case, h, run_steps, lstm)
    worst = max(scaled_difference(h[:, t], s) for t, s in enumerate(step_h))
    if worst > tolerance:
        raise NotCarried("its result is not the loop over your step function either")
    return worst


def carried_backward(case, h, grads, run_steps, run_backward_steps, lstm, tolerance):
    """The worst difference between the composite's gradients and its own step
    backward walked back over its own states; NotCarried when too large."""
    N, T, _ = np.shape(case["x"])
    if h is None or np.shape(h) != (N, T, np.shape(case["h0"])[1]):
        raise NotCarried("its forward's output does not have the shape (N, T, H)")
    _, cells = walk_forward(case, h, run_steps, lstm)
    zeros = np.zeros_like(case["h0"])
    dnext_h, dnext_c = zeros, zeros if lstm else None
    dx, totals = [None] * T, None
    for t in reversed(range(T)):
        step = step_input(case, t, case["h0"] if t == 0 else h[:, t - 1],
                          (zeros if t == 0 else cells[t - 1]) if lstm else None, lstm)
        step["dnext_h"] = np.ascontiguousarray(case["dout"][:, t] + dnext_h)
        if lstm:
            step["dnext_c"] = np.ascontiguousarray(dnext_c)
        probe = dict(step, dnext_h=step["dnext_h"] + 1.0)
        got, moved = run_backward_steps([step, probe])
        if t == T - 1 and max(scaled_difference(a, b) for a, b in zip(moved, got)) < DEPENDENCE:
            raise NotCarried("your step backward does not depend on its upstream gradient")
        dx[t], dnext_h = got[0], got[1]
        if lstm:
            dnext_c = got[2]
        weights = list(got[-3:])
        totals = weights if totals is None else [a + b for a, b in zip(totals, weights)]
    walked = [np.stack(dx, axis=1), dnext_h] + totals
    worst = max(scaled_difference(g, w) for g, w in zip(grads, walked))
    if worst > tolerance:
        raise NotCarried("its gradients are not your step backward walked back over time either")
    return worst


def in_process_steps(layers, part):
    """run_steps and run_backward_steps that call your step functions here, in this process."""
    lstm = part.startswith("lstm")
    forward_name, backward_name = ("lstm_step_forward", "lstm_step_backward") if lstm else \
        ("rnn_step_forward", "rnn_step_backward")
    forward, backward = getattr(layers, forward_name), getattr(layers, backward_name)
    order = ("x", "prev_h", "prev_c", "Wx", "Wh", "b") if lstm else ("x", "prev_h", "Wx", "Wh", "b")

    def run_steps(inputs):
        results = []
        for call in inputs:
            out = forward(*[np.array(call[name], copy=True) for name in order])
            results.append(tuple(out[:2 if lstm else 1]))
        return results

    def run_backward_steps(inputs):
        results = []
        for call in inputs:
            out = forward(*[np.array(call[name], copy=True) for name in order])
            upstream = [call["dnext_h"].copy()] + ([call["dnext_c"].copy()] if lstm else [])
            grads = backward(*upstream, out[-1])
            results.append(tuple(grads))
        return results

    return run_steps, run_backward_steps

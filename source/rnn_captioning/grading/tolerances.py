"""Tolerances of the hidden checks and time budgets of the child runs.

Float64 comparisons against the reference use the notebook's elementwise
relative error and the notebook's bounds (check_data.TOLERANCES, defined once
there). Float32 results and finite differences use the scaled error
max|a-b| / max|b| (measures.py) with the bounds below. The margins these
leave for correct code, measured over 100 hidden seeds, are in TOLERANCES.md.
"""
from autograder.compare import Metric
from autograder.sandbox import Limits

# Finite-difference step of the numeric-gradient checks (central differences, float64).
NUMERIC_STEP = 1e-5
SCALED_NUMERIC = 1e-6      # numeric gradient vs the student's analytic gradient
# A forward that ignores an input has finite differences of exactly zero there;
# the hidden inputs give every input's numeric gradient a size of order 0.1-1.
DEPENDENCE = 1e-10
# float32 outputs and gradients vs the float64 reference on the same values. Not
# 1e-4: near-saturated tanh units make 1 - h^2 lose most float32 digits, and a
# correct student-style implementation reached 6.8e-5 over 100 seeds.
SCALED_FLOAT32 = 1e-3
MODEL_GRADIENTS = 1e-7     # CaptioningRNN gradients vs the reference, float64, relative error
SAMPLE_MARGIN = 1e-3       # hidden sampling models are drawn so no greedy choice is a near tie


def metrics(ref):
    """The two error measures, from the reference's measures.py (one definition each)."""
    measures = ref.module("measures")
    return Metric("relative error", measures.rel_error), Metric("scaled error", measures.scaled_error)


def notebook_tolerance(ref, part_id):
    """The notebook's bound for a part ({label: bound, 'default': bound} or a number)."""
    tolerances = ref.module("check_data").TOLERANCES
    if part_id in ("rnn_loss", "lstm_loss"):
        return tolerances["model_loss"]
    return tolerances[part_id]


# Wall-clock and CPU budgets per kind of child run. The reference needs about
# 0.1-0.3 s for each layer or model run and a few seconds per overfit run
# (benchmarks/grade_time.py); each budget is at least 10x that.
LIMITS = {
    "layers": Limits(wall_seconds=10, cpu_seconds=8),
    "numeric": Limits(wall_seconds=15, cpu_seconds=12),
    "model": Limits(wall_seconds=10, cpu_seconds=8),
    "overfit": Limits(wall_seconds=400, cpu_seconds=380),
}

"""Trusted comparisons of student arrays against reference arrays.

Nothing the child sends is taken at face value: every array is checked for
type, dtype, exact shape (no broadcasting) and finiteness before any error is
measured, and NaN or inf never passes. The error measures themselves belong
to the assignment (a Metric wraps one); this module only applies them.
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class Outcome:
    """The verdict of one check, as shown in every report."""
    passed: bool
    message: str
    error: float = None          # the measured error (worst over the check's cases)
    tolerance: float = None
    metric: str = "relative error"


@dataclass(frozen=True)
class Metric:
    """A named error measure: measure(student, reference) -> float (both arrays)."""
    name: str
    measure: object

    def __call__(self, student, reference):
        return self.measure(student, reference)


def problem_with(value, reference, label, require_dtype=None):
    """Why the student's value cannot be compared, or None when it can."""
    if value is None:
        return "%s is missing" % label
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
        return "%s is not a numeric array" % label
    if reference.dtype.kind == "f" and value.dtype.kind != "f":
        return "%s has dtype %s, expected floating point" % (label, value.dtype)
    if reference.dtype.kind in "iu" and value.dtype.kind not in "iu":
        return "%s has dtype %s, expected integers" % (label, value.dtype)
    if require_dtype is not None and value.dtype != np.dtype(require_dtype):
        return ("%s has dtype %s for %s inputs; keep the inputs' dtype (e.g. allocate with dtype=x.dtype)"
                % (label, value.dtype, np.dtype(require_dtype).name))
    if value.shape != reference.shape:
        return "%s has shape %s, expected %s" % (label, value.shape, reference.shape)
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        return "%s contains NaN or inf" % label
    return None


def _join(labels):
    labels = list(labels)
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def compare_outputs(triples, tolerance, metric, require_dtype=None):
    """Compare [(label, student, reference), ...] with a Metric; tolerance is a
    number or {label: number, 'default': number}.

    Returns an Outcome whose message names the wrong outputs and the correct ones.
    """
    measure, metric = metric, metric.name
    wrong, right, worst, worst_tol = [], [], 0.0, None
    for label, student, reference in triples:
        tol = tolerance.get(label, tolerance.get("default")) if isinstance(tolerance, dict) else tolerance
        problem = problem_with(student, reference, label, require_dtype)
        if problem:
            wrong.append(problem)
            worst, worst_tol = float("inf"), tol
            continue
        error = measure(student, reference)
        if error > tol or not np.isfinite(error):
            wrong.append("%s: %s %.1e (tolerance %.0e)" % (label, metric, error, tol))
        else:
            right.append(label)
        if error >= worst or worst_tol is None:
            worst, worst_tol = max(worst, error), tol if error >= worst else worst_tol
    if not wrong:
        return Outcome(True, "%s: %s at most %.1e (tolerance %.0e)"
                       % (_join(right), metric, worst, worst_tol), worst, worst_tol, metric)
    message = "; ".join(wrong)
    if right:
        message += "; %s %s correct" % (_join(right), "is" if len(right) == 1 else "are")
    return Outcome(False, message, worst, worst_tol, metric)


def combine(outcomes_by_case):
    """One Outcome for a check made of several cases: the first failing case
    (named by its shapes), else the worst measured error."""
    for description, outcome in outcomes_by_case:
        if not outcome.passed:
            return Outcome(False, "%s: %s" % (description, outcome.message), outcome.error,
                           outcome.tolerance, outcome.metric)
    worst = max(outcomes_by_case, key=lambda item: -1 if item[1].error is None else item[1].error)[1]
    return Outcome(True, "%d cases; worst %s %.1e (tolerance %.0e)"
                   % (len(outcomes_by_case), worst.metric, worst.error or 0.0, worst.tolerance or 0.0),
                   worst.error, worst.tolerance, worst.metric)

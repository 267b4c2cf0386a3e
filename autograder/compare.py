"""Trusted comparisons of student arrays against reference arrays.

Nothing the child sends is taken at face value: every array is checked for
type, dtype, exact shape (no broadcasting) and finiteness before any error is
measured, and NaN or inf never passes. The error measures themselves belong
to the assignment (a Metric wraps one); this module only applies them.
"""
from dataclasses import dataclass, field

import numpy as np

from uploads.wording import counted


@dataclass
class Outcome:
    """The verdict of one check, as shown in every report."""
    passed: bool
    message: str
    error: float = None          # the measured error (worst over the check's cases)
    tolerance: float = None
    metric: str = "relative error"
    tips: list = field(default_factory=list)     # 0-point advice, shown whatever the verdict
    carried_from: tuple = ()     # parts charged elsewhere whose functions were replaced by correct ones for this pass
    hint: str = None             # the catalogued mistake the message names, if any
    tried_without: tuple = ()    # parts charged elsewhere whose functions were replaced, and it failed all the same


@dataclass(frozen=True)
class Precision:
    """The float precision of a check's inputs. A result in that precision or a
    higher one is correct (compared at the inputs' tolerance); a lower one, or
    not a float, is wrong. With `preserve` (the course's policy) the result
    must keep exactly the inputs' dtype."""
    dtype: object
    preserve: bool = False

    @property
    def name(self):
        return np.dtype(self.dtype).name


def precision_problem(value, label, precision):
    """Why a float result's precision is wrong for the inputs', or None."""
    wanted = np.dtype(precision.dtype)
    if value.dtype.itemsize < wanted.itemsize:
        return ("%s has dtype %s, a lower precision than the %s inputs: compute in the inputs' "
                "precision (or a higher one)" % (label, value.dtype, wanted.name))
    if precision.preserve and value.dtype != wanted:
        return ("%s has dtype %s for %s inputs, and this course grades keeping the inputs' dtype: "
                "allocate with dtype=x.dtype (np.zeros and np.empty default to float64)"
                % (label, value.dtype, wanted.name))
    return None


def precision_tip(value, label, precision):
    """A 0-point tip when a float result is in a higher precision than the inputs', or None."""
    wanted = np.dtype(precision.dtype)
    if value.dtype.kind == "f" and value.dtype.itemsize > wanted.itemsize and not precision.preserve:
        return ("%s is %s for %s inputs: counted as correct. A %s model then computes in %s (twice "
                "the memory, slower); np.zeros((N, T, H)) is float64 unless given dtype=x.dtype"
                % (label, value.dtype, wanted.name, wanted.name, value.dtype))
    return None


@dataclass(frozen=True)
class Metric:
    """A named error measure: measure(student, reference) -> float (both arrays)."""
    name: str
    measure: object

    def __call__(self, student, reference):
        return self.measure(student, reference)


def problem_with(value, reference, label, precision=None):
    """Why the student's value cannot be compared, or None when it can."""
    if value is None:
        return "%s is missing" % label
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
        return "%s is not a numeric array" % label
    if reference.dtype.kind == "f" and value.dtype.kind != "f":
        return "%s has dtype %s, expected floating point" % (label, value.dtype)
    if reference.dtype.kind in "iu" and value.dtype.kind not in "iu":
        return "%s has dtype %s, expected integers" % (label, value.dtype)
    if precision is not None and value.dtype.kind == "f":
        problem = precision_problem(value, label, precision)
        if problem:
            return problem
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


def compare_outputs(triples, tolerance, metric, precision=None):
    """Compare [(label, student, reference), ...] with a Metric; tolerance is a
    number or {label: number, 'default': number}; precision (a Precision) is
    the inputs' float precision, when it matters.

    Returns an Outcome whose message names the wrong outputs and the correct ones.
    """
    measure, metric = metric, metric.name
    wrong, right, worst, worst_tol, tips = [], [], 0.0, None, []
    for label, student, reference in triples:
        tol = tolerance.get(label, tolerance.get("default")) if isinstance(tolerance, dict) else tolerance
        problem = problem_with(student, reference, label, precision)
        if problem:
            wrong.append(problem)
            worst, worst_tol = float("inf"), tol
            continue
        tip = precision_tip(student, label, precision) if precision is not None else None
        if tip:
            tips.append(tip)
        error = measure(student, reference)
        if error > tol or not np.isfinite(error):
            wrong.append("%s: %s %.1e (tolerance %.0e)" % (label, metric, error, tol))
        else:
            right.append(label)
        if error >= worst or worst_tol is None:
            worst, worst_tol = max(worst, error), tol if error >= worst else worst_tol
    tips = tips[:1]   # one output's tip says it for all
    if not wrong:
        return Outcome(True, "%s: %s at most %.1e (tolerance %.0e)"
                       % (_join(right), metric, worst, worst_tol), worst, worst_tol, metric, tips)
    message = "; ".join(wrong)
    if right:
        message += "; %s %s correct" % (_join(right), "is" if len(right) == 1 else "are")
    return Outcome(False, message, worst, worst_tol, metric, tips)


def combine(outcomes_by_case):
    """One Outcome for a check made of several cases: the first failing case
    (named by its shapes), else the worst measured error. Tips of every case are kept, once each."""
    tips = []
    for _, outcome in outcomes_by_case:
        tips += [tip for tip in outcome.tips if tip not in tips]
    carried = tuple(sorted({part for _, o in outcomes_by_case for part in o.carried_from}))
    for description, outcome in outcomes_by_case:
        if not outcome.passed:
            return Outcome(False, "%s: %s" % (description, outcome.message), outcome.error,
                           outcome.tolerance, outcome.metric, tips, hint=outcome.hint,
                           tried_without=outcome.tried_without)
    worst = max(outcomes_by_case, key=lambda item: -1 if item[1].error is None else item[1].error)[1]
    message = "%s; worst %s %.1e (tolerance %.0e)" % (
        counted(len(outcomes_by_case), "case"), worst.metric, worst.error or 0.0, worst.tolerance or 0.0)
    notes = [o.message for _, o in outcomes_by_case if o.carried_from]
    if notes:
        message = notes[0]
    return Outcome(True, message, worst.error, worst.tolerance, worst.metric, tips, carried)

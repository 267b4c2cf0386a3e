"""Overfit checks: the student's model is trained in the sandbox with the
grader's settings (check_data.GRADED_OVERFIT_SETTINGS); the loss that decides
is recomputed HERE by the reference model from the parameters the child sends
back, on the whole small training set. A training that fails is run again
with the functions charged elsewhere replaced by correct ones (replacements.py)."""
import numpy as np

from autograder.assignment import Check
from autograder.compare import Outcome, problem_with

from . import cases, replacements, titles
from .student import Student, StudentRunFailed
from .tolerances import LIMITS

# How long a failed training waits for the other parts' verdicts before its retry.
WAIT_FOR_OTHER_PARTS = 900


def small_training_set(ctx, settings):
    """The captions of the grader's run, chosen as `selfcheck.py --overfit` chooses them."""
    with cases.GLOBAL_RNG:
        return ctx.reference.module("public_checks").overfit_training_set(settings, str(ctx.assignment.data_dir))


def recomputed_loss(ref, cell_type, settings, data, params, warning=None):
    """The reference model's loss on every training caption, with the student's trained parameters."""
    model_settings = settings["model"]
    features = data["train_features"]
    with cases.GLOBAL_RNG:
        model = ref.module("classifiers.rnn").CaptioningRNN(
            data["word_to_idx"], input_dim=features.shape[1], wordvec_dim=model_settings["wordvec_dim"],
            hidden_dim=model_settings["hidden_dim"], cell_type=cell_type, dtype=model_settings["dtype"])
    diagnosis = ref.module("diagnosis")
    for name, expected in model.params.items():
        value = params.get(name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            message, hint_id = diagnosis.nonfinite_finding("params['%s']" % name, warning)
            return None, ("the trained model is unusable: " + message, hint_id)
        problem = problem_with(value, expected, "params['%s']" % name)
        if problem:
            return None, ("the trained model is unusable: " + problem, None)
        model.params[name] = params[name].astype(expected.dtype)
    return ref.module("public_checks").training_set_loss(model, data), None


def train_and_judge(ctx, cell_type, settings, data, student):
    """Train through `student`, recompute the loss here; the Outcome (and draw the curve)."""
    params, history, warning = student.overfit(data, cell_type, settings, LIMITS["overfit"])
    threshold = float(settings["threshold"])
    loss, problem = recomputed_loss(ctx.reference, cell_type, settings, data, params, warning)
    history = history if isinstance(history, np.ndarray) and history.ndim == 1 else np.zeros(0)
    ctx.add_curve(cell_type, history=history.astype(np.float64), final_loss=loss, threshold=threshold)
    if problem:
        return Outcome(False, problem[0], float("inf"), threshold, "training loss", hint=problem[1])
    if not np.isfinite(loss) or loss >= threshold:
        message, hint_id = ctx.reference.module("diagnosis").overfit_finding(loss, threshold, warning)
        return Outcome(False, "after training, %s; overfitting fails when the loss or its gradients are wrong"
                       % message, loss, threshold, "training loss", hint=hint_id)
    return Outcome(True, "training loss %.3g, below %g" % (loss, threshold), loss, threshold, "training loss")


def trained_model(data, cell_type, settings):
    """The model a replaced loss belongs to in this training (replacements.Answers)."""
    model = settings["model"]
    return dict(word_to_idx=data["word_to_idx"], input_dim=data["train_features"].shape[1],
                wordvec_dim=model["wordvec_dim"], hidden_dim=model["hidden_dim"], cell_type=cell_type,
                dtype=model["dtype"])


def overfit(ctx, cell_type):
    """Train the student's model; a training that fails is run again, once every other
    part has its verdict, with the functions charged elsewhere replaced by correct ones:
    it charges only what no other part charged."""
    settings = ctx.reference.module("check_data").GRADED_OVERFIT_SETTINGS[cell_type]
    data = small_training_set(ctx, settings)
    shapes = "%d captions, features %s" % (data["train_captions"].shape[0], data["train_features"].shape)
    try:
        outcome = train_and_judge(ctx, cell_type, settings, data, Student(ctx.proxy))
    except StudentRunFailed as exc:
        if exc.timed_out:
            raise
        outcome = Outcome(False, str(exc), float("inf"), float(settings["threshold"]), "training loss")
    if outcome.passed or not ctx.wait_for_quick_checks(timeout=WAIT_FOR_OTHER_PARTS):
        return outcome, shapes
    replacement = replacements.for_training(ctx, cell_type, trained_model(data, cell_type, settings))
    if replacement is None:
        return outcome, shapes
    return replacements.retry(ctx, "overfit_%s" % cell_type, outcome, lambda student: train_and_judge(
        ctx, cell_type, settings, data, student), replacement), shapes


def overfit_checks(cell_type):
    return [Check("overfit", titles.OVERFIT, lambda ctx: overfit(ctx, cell_type), needs=("model",), long=True)]

"""Overfit checks: the student's model is trained in the sandbox with the
notebook's settings; the loss that decides is recomputed HERE by the reference
model from the parameters the child sends back, on the whole small training set."""
import numpy as np

from autograder.assignment import Check
from autograder.compare import Outcome, problem_with

from . import titles
from .student import Student
from .tolerances import LIMITS


def small_training_set(ctx, settings):
    """The notebook's small set: np.random.seed(231) then load_coco_data(max_train=50)."""
    np.random.seed(settings["seed"])
    return ctx.reference.module("coco_utils").load_coco_data(
        base_dir=str(ctx.assignment.data_dir), max_train=settings["max_train"], pca_features=True)


def recomputed_loss(ref, cell_type, settings, data, params):
    """The reference model's loss on every training caption, with the student's trained parameters."""
    model_settings = settings["model"]
    features = data["train_features"]
    model = ref.module("classifiers.rnn").CaptioningRNN(
        data["word_to_idx"], input_dim=features.shape[1], wordvec_dim=model_settings["wordvec_dim"],
        hidden_dim=model_settings["hidden_dim"], cell_type=cell_type, dtype=model_settings["dtype"])
    for name, expected in model.params.items():
        problem = problem_with(params.get(name), expected, "params['%s']" % name)
        if problem:
            return None, "the trained model is unusable: " + problem
        model.params[name] = params[name].astype(expected.dtype)
    loss, _ = model.loss(features[data["train_image_idxs"]], data["train_captions"])
    return float(loss), None


def overfit(ctx, cell_type):
    settings = ctx.reference.module("check_data").OVERFIT_SETTINGS[cell_type]
    data = small_training_set(ctx, settings)
    params, history = Student(ctx.proxy).overfit(data, cell_type, settings, LIMITS["overfit"])
    threshold = float(settings["threshold"])
    loss, problem = recomputed_loss(ctx.reference, cell_type, settings, data, params)
    shapes = "%d captions, features %s" % (data["train_captions"].shape[0], data["train_features"].shape)
    history = history if isinstance(history, np.ndarray) and history.ndim == 1 else np.zeros(0)
    ctx.curves[cell_type] = {"history": history.astype(np.float64), "final_loss": loss, "threshold": threshold}
    if problem:
        return Outcome(False, problem, float("inf"), threshold, "training loss"), shapes
    if not np.isfinite(loss) or loss >= threshold:
        return Outcome(False, "after training, the loss on the training set is %.3g (it must be below %g); "
                       "overfitting fails when the loss or its gradients are wrong"
                       % (loss, threshold), loss, threshold, "training loss"), shapes
    return Outcome(True, "training loss %.3g, below %g" % (loss, threshold), loss, threshold,
                   "training loss"), shapes


def overfit_checks(cell_type):
    return [Check("overfit", titles.OVERFIT, lambda ctx: overfit(ctx, cell_type))]

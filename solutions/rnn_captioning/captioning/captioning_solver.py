"""Provided: a minibatch trainer for captioning models."""
from . import optim
from .coco_utils import sample_coco_minibatch


class CaptioningSolver:
    """Trains a captioning model with a first-order update rule from optim.py.

    Usage:
        solver = CaptioningSolver(model, data, update_rule='adam',
                                  optim_config={'learning_rate': 5e-3},
                                  lr_decay=0.95, batch_size=25,
                                  num_epochs=50, print_every=10)
        solver.train()
        solver.loss_history   # one loss per iteration

    `model` has a dict `params` and a method `loss(features, captions)` that
    returns (loss, grads) with grads keyed like params. `data` is the dict
    returned by load_coco_data. After each epoch the learning rate is
    multiplied by lr_decay. With stop_below=L, the training stops early, at
    the first multiple of check_every iterations (default 10) where the loss
    on all training captions (training_set_loss) is below L; stopped_at is
    then that iteration (None when it ran to the end).
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.data = data
        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        self.stop_below = kwargs.pop("stop_below", None)
        self.check_every = kwargs.pop("check_every", 10)
        if kwargs:
            raise ValueError("Unrecognized arguments: %s" % ", ".join(sorted(kwargs)))
        if not hasattr(optim, self.update_rule):
            raise ValueError('Invalid update_rule "%s"' % self.update_rule)
        self.update_rule = getattr(optim, self.update_rule)
        self._reset()

    def _reset(self):
        self.epoch = 0
        self.stopped_at = None
        self.loss_history = []
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    def _step(self):
        captions, features, _ = sample_coco_minibatch(
            self.data, batch_size=self.batch_size, split="train")
        loss, grads = self.model.loss(features, captions)
        self.loss_history.append(float(loss))
        for name, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[name], self.optim_configs[name])
            self.model.params[name] = next_w
            self.optim_configs[name] = next_config

    def train(self, progress=None):
        """Run the optimisation. `progress`, if given, is called as progress(it, total, loss)."""
        num_train = self.data["train_captions"].shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        for it in range(num_iterations):
            self._step()
            if self.verbose and it % self.print_every == 0:
                print("(Iteration %d / %d) loss: %f" % (it + 1, num_iterations, self.loss_history[-1]))
            if progress is not None:
                progress(it + 1, num_iterations, self.loss_history[-1])
            if (self.stop_below is not None and (it + 1) % self.check_every == 0
                    and training_set_loss(self.model, self.data) < self.stop_below):
                self.stopped_at = it + 1
                break
            if (it + 1) % iterations_per_epoch == 0:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] *= self.lr_decay


def training_set_loss(model, data):
    """The model's loss on every caption of its training set (the last minibatch's
    loss varies more): what a stop_below training and the overfitting checks measure."""
    loss, _ = model.loss(data["train_features"][data["train_image_idxs"]], data["train_captions"])
    return float(loss)

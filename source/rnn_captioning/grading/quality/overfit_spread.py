"""The overfit study of the calibration (autograder.calibrate): the reference's
recomputed overfit loss when only the training seed changes."""


def overfit_spread(training_seeds):
    """The reference's recomputed overfit loss when only the training seed changes:
    how much room the thresholds leave for a correct model's luck."""
    import numpy as np
    from autograder import assignment
    task = assignment.load()
    ref = task.reference()
    spread = {}
    for cell, settings in ref.module("check_data").GRADED_OVERFIT_SETTINGS.items():
        data = ref.module("public_checks").overfit_training_set(settings, str(task.data_dir))
        losses, iterations = [], []
        for seed in range(training_seeds):
            np.random.seed(seed)
            model = ref.module("classifiers.rnn").CaptioningRNN(
                data["word_to_idx"], input_dim=data["train_features"].shape[1], cell_type=cell,
                **settings["model"])
            solver_class = ref.module("captioning_solver").CaptioningSolver
            solver = solver_class(model, data, verbose=False, **settings["solver"])
            solver.train()
            losses.append(ref.module("public_checks").training_set_loss(model, data))
            iterations.append(len(solver.loss_history))
        spread[cell] = (settings, losses, iterations)
    return spread


def describe(settings):
    """'hidden size 192, word vectors 128, up to 150 iterations at learning rate 0.01, on 50
    captions of at most 10 tokens (`<START>` and `<END>` included), one per image (it stops
    once the loss on all of them is below 0.125)', as the student README says it."""
    schedule = settings["solver"]
    iterations = schedule["num_epochs"] * settings["max_train"] // schedule["batch_size"]
    text = "hidden size %d, word vectors %d, %s%d iterations at learning rate %g" % (
        settings["model"]["hidden_dim"], settings["model"]["wordvec_dim"],
        "up to " if schedule.get("stop_below") else "", iterations, schedule["optim_config"]["learning_rate"])
    captions = settings.get("captions")
    if captions:
        text += ", on %d captions of at most %d tokens (`<START>` and `<END>` included), one per image" % (
            settings["max_train"], captions["max_tokens"])
        if captions["length"] > captions["max_tokens"]:
            text += ", padded with `<NULL>` to %d tokens" % captions["length"]
    else:
        text += ", on the notebook's %d captions" % settings["max_train"]
    if schedule.get("stop_below"):
        text += " (it stops once the loss on all of them is below %g)" % schedule["stop_below"]
    return text


def spread_markdown(spread):
    seeds = len(next(iter(spread.values()))[1])
    lines = ["", "## Overfit: spread over training seeds", "",
             "The reference trained with the grader's settings (`check_data.GRADED_OVERFIT_SETTINGS`: %s) and "
             "training seeds 0..%d instead of the notebook's 231. The grade uses the loss recomputed on all 50 "
             "training captions, which varies less than the last minibatch's. `benchmarks/overfit_size_study.py` "
             "shows how these runs were chosen; with them every corpus variant gets its declared verdict."
             % ("; ".join("%s: %s" % (cell, describe(s)) for cell, (s, _, _) in spread.items()), seeds - 1), "",
             "| cell | threshold | recomputed loss: min / max | margin at max | iterations run: min / max |",
             "| --- | --- | --- | --- | --- |"]
    for cell, (settings, losses, iterations) in spread.items():
        threshold = settings["threshold"]
        lines.append("| %s | %g | %.3f / %.3f | %.1fx | %d / %d |" % (
            cell, threshold, min(losses), max(losses), threshold / max(losses), min(iterations), max(iterations)))
    return "\n".join(lines) + "\n"

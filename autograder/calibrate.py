"""Tolerance calibration: grade a correct submission under many hidden seeds
and report, per check, the worst measured error against its tolerance.

    python -m autograder.calibrate --seeds 100 --jobs 2 --write autograder/TOLERANCES.md

The submission graded is CLASSIC_CORRECT (autograder/mutants.py): correct code
written differently from the reference (step loops, np.add.at, early stop in
sample), so float64 errors are real rounding differences, not zeros.
The overfit checks are seed-independent (the seeds fix seed 231); they are
run once for the reference and once for the classic submission.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import mutants
from .paths import KIT_ROOT, REFERENCE_DIR


def grade(submission, out_dir, seed, select):
    env = dict(os.environ, AUTOGRADER_HIDDEN_SEED=str(seed))
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--out", str(out_dir),
                    "-k", select], cwd=KIT_ROOT, env=env, check=True, capture_output=True)
    return json.loads((Path(out_dir) / "results.json").read_text())


def calibrate(seeds, jobs):
    work = Path(tempfile.mkdtemp(prefix="calibrate-"))
    classic = mutants.make_classic_correct(REFERENCE_DIR, work / "classic" / "rnn_captioning")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = list(pool.map(lambda s: grade(classic, work / ("out%d" % s), s, "not overfit"), range(seeds)))
        overfit = list(pool.map(lambda sub: grade(sub, work / ("overfit_" + sub.parent.name), 0, "overfit"),
                                [REFERENCE_DIR, classic]))
    table = {}
    for results in runs + overfit:
        for test in results["tests"]:
            entry = table.setdefault(test["name"], {"worst": 0.0, "tolerance": test["extra_data"]["tolerance"],
                                                    "metric": test["extra_data"]["metric"], "failures": 0,
                                                    "runs": 0})
            error = test["extra_data"]["error"]
            entry["worst"] = max(entry["worst"], error if isinstance(error, (int, float)) else float("inf"))
            entry["failures"] += test["status"] != "passed"
            entry["runs"] += 1
    return table


def overfit_spread(training_seeds):
    """The reference's recomputed overfit loss when only the training seed changes:
    how much room the thresholds leave for a correct model's luck."""
    import numpy as np
    from . import reference
    from .paths import DATA_DIR
    spread = {}
    for cell, settings in reference.public_checks().OVERFIT_SETTINGS.items():
        np.random.seed(settings["seed"])
        data = reference.coco_utils().load_coco_data(base_dir=str(DATA_DIR), max_train=settings["max_train"])
        losses, last_batch = [], []
        for seed in range(training_seeds):
            np.random.seed(seed)
            model = reference.model_class()(data["word_to_idx"], input_dim=data["train_features"].shape[1],
                                            cell_type=cell, **settings["model"])
            solver_module = __import__("captioning.captioning_solver", fromlist=["CaptioningSolver"])
            solver = solver_module.CaptioningSolver(model, data, verbose=False, **settings["solver"])
            solver.train()
            loss, _ = model.loss(data["train_features"][data["train_image_idxs"]], data["train_captions"])
            losses.append(float(loss))
            last_batch.append(solver.loss_history[-1])
        spread[cell] = (settings["threshold"], losses, last_batch)
    return spread


def spread_markdown(spread):
    lines = ["", "## Overfit: spread over training seeds", "",
             "The reference trained with training seeds 0..%d instead of the seeds' 231 (same data and "
             "settings). The grade uses the loss recomputed on all 50 training captions, which varies less "
             "than the seeds' last-minibatch loss." % (len(next(iter(spread.values()))[1]) - 1), "",
             "| cell | threshold | recomputed loss: min / max | margin at max | last minibatch: min / max |",
             "| --- | --- | --- | --- | --- |"]
    for cell, (threshold, losses, last_batch) in spread.items():
        lines.append("| %s | %g | %.3f / %.3f | %.1fx | %.3f / %.3f |" % (
            cell, threshold, min(losses), max(losses), threshold / max(losses), min(last_batch), max(last_batch)))
    return "\n".join(lines) + "\n"


def markdown(table, seeds):
    lines = ["# Tolerances and their margins", "",
             "Measured by `python -m autograder.calibrate --seeds %d`: a correct submission written "
             "differently from the reference (`CLASSIC_CORRECT` in `mutants.py`) graded under %d hidden "
             "seeds (`AUTOGRADER_HIDDEN_SEED` = 0..%d). Margin = tolerance / worst error; the overfit rows "
             "are the reference and the classic submission trained once each (the seeds fix the training seed)."
             % (seeds, seeds, seeds - 1), "",
             "Where the bounds come from: float64 comparisons with the reference use the seeds' elementwise "
             "relative error and the seeds' bounds (`public_checks.TOLERANCES`); float32 results and "
             "finite differences use the scaled error max|a-b|/max|b| with the bounds in "
             "`autograder/tolerances.py`; sampling must match exactly (hidden models are drawn so no greedy "
             "choice is a near tie: best-minus-second score > 1e-3).", "",
             "| check | metric | tolerance | worst error | margin | failures / runs |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, entry in table.items():
        tolerance, worst = entry["tolerance"], entry["worst"]
        if entry["metric"] == "training loss":
            margin = "%.1fx below" % (tolerance / worst) if worst else "-"
        elif entry["metric"] == "rows that differ":
            margin = "exact match"
        else:
            margin = ("%.0ex" % (tolerance / worst)) if worst else "error 0"
        lines.append("| %s | %s | %s | %.2g | %s | %d / %d |" % (
            name, entry["metric"], "%.0e" % tolerance if tolerance else "0", worst, margin,
            entry["failures"], entry["runs"]))
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--training-seeds", type=int, default=12, help="overfit spread study (0: skip)")
    parser.add_argument("--write", help="write the Markdown table here")
    args = parser.parse_args(argv)
    text = markdown(calibrate(args.seeds, args.jobs), args.seeds)
    if args.training_seeds:
        text += spread_markdown(overfit_spread(args.training_seeds))
    if args.write:
        Path(args.write).write_text(text)
    print(text)


if __name__ == "__main__":
    main()

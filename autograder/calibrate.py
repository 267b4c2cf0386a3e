"""Tolerance calibration: grade a correct submission under many hidden seeds
and report, per check, the worst measured error against its tolerance.

    python -m autograder.calibrate --seeds 100 --jobs 2 --write source/rnn_captioning/grading/quality/TOLERANCES.md

The submission graded is the assignment's calibration submission
(grading.calibration_submission): correct code written differently from the
reference, so float64 errors are real rounding differences, not zeros. The
long checks (trainings) are seed-independent; they are run once for the
reference and once for that submission. The assignment words the table's
introduction (grading.calibration_intro), says which of its metrics are
thresholds or exact matches (grading.METRIC_KINDS), and may add its own study
(grading.calibration_appendix), e.g. a training's loss over training seeds.
"""
import argparse
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import assignment
from .grade import environment_with_seed, grade_in_subprocess


def grade(submission, out_dir, seed, select):
    proc, results = grade_in_subprocess(submission, out_dir, select=select, env=environment_with_seed(seed))
    if proc.returncode != 0 or results is None:
        raise subprocess.CalledProcessError(proc.returncode, "grade", proc.stdout, proc.stderr)
    return results


# How a metric's margin reads: an error bound (tolerance / worst error), a
# threshold the value must stay below, or an exact match. Set per metric name
# by the assignment (grading.METRIC_KINDS); an error bound unless it says otherwise.
ERROR_BOUND, THRESHOLD, EXACT = "error bound", "threshold", "exact"


def long_parts_expression(task):
    """The -k expression of the parts with a long check, e.g. "(train_a or train_b)"."""
    names = sorted({part.id for part, check in task.checks() if check.long})
    return "(%s)" % " or ".join(names) if names else None


def calibrate(seeds, jobs):
    task = assignment.load()
    work = Path(tempfile.mkdtemp(prefix="calibrate-"))
    reference = task.folder
    correct = task.grading.calibration_submission(reference, work / "classic" / task.id)
    long_parts = long_parts_expression(task)
    short = "not %s" % long_parts if long_parts else None
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = list(pool.map(lambda s: grade(correct, work / ("out%d" % s), s, short), range(seeds)))
        trainings = list(pool.map(lambda sub: grade(sub, work / ("long_" + sub.parent.name), 0, long_parts),
                                  [reference, correct])) if long_parts else []
    table = {}
    for results in runs + trainings:
        for test in results["tests"]:
            entry = table.setdefault(test["name"], {"worst": 0.0, "tolerance": test["extra_data"]["tolerance"],
                                                    "metric": test["extra_data"]["metric"], "failures": 0,
                                                    "runs": 0})
            error = test["extra_data"]["error"]
            entry["worst"] = max(entry["worst"], error if isinstance(error, (int, float)) else float("inf"))
            entry["failures"] += test["status"] != "passed"
            entry["runs"] += 1
    return table


def markdown(table, seeds, intro="", metric_kinds=None):
    kinds = metric_kinds or {}
    lines = ["# Tolerances and their margins", "",
             "Measured by `python -m autograder.calibrate --seeds %d`: the assignment's calibration submission "
             "(correct code written differently from the reference) graded under %d hidden seeds "
             "(`AUTOGRADER_HIDDEN_SEED` = 0..%d). Margin = tolerance / worst error; the long checks' rows "
             "are the reference and the calibration submission trained once each." % (seeds, seeds, seeds - 1), ""]
    if intro:
        lines += [intro, ""]
    lines += ["| check | metric | tolerance | worst error | margin | failures / runs |",
              "| --- | --- | --- | --- | --- | --- |"]
    for name, entry in table.items():
        tolerance, worst = entry["tolerance"], entry["worst"]
        kind = kinds.get(entry["metric"], ERROR_BOUND)
        if kind == THRESHOLD:
            margin = "%.1fx below" % (tolerance / worst) if worst else "-"
        elif kind == EXACT:
            margin = "exact match"
        else:
            margin = _times(tolerance / worst) if worst else "error 0"
        lines.append("| %s | %s | %s | %.2g | %s | %d / %d |" % (
            name, entry["metric"], _bound(tolerance), worst, margin,
            entry["failures"], entry["runs"]))
    measured = [(entry["tolerance"] / entry["worst"], name) for name, entry in table.items()
                if entry["worst"] and kinds.get(entry["metric"], ERROR_BOUND) == ERROR_BOUND]
    if measured:
        lines += ["", "Smallest margin of an error check: %s (%s)." % (_times(min(measured)[0]), min(measured)[1])]
    return "\n".join(lines) + "\n"


def _bound(tolerance):
    """An error bound as '1e-08', a loss threshold as '0.25' or '1' (not a rounded '2e-01')."""
    if not tolerance:
        return "0"
    return "%g" % tolerance if tolerance >= 0.01 else "%.0e" % tolerance


def _times(ratio):
    return ("%.1fx" % ratio) if ratio < 100 else ("%.2gx" % ratio)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--training-seeds", type=int, default=100,
                        help="training seeds of the assignment's own study, if it has one (0: skip)")
    parser.add_argument("--write", help="write the Markdown table here")
    args = parser.parse_args(argv)
    grading = assignment.load().grading
    intro = getattr(grading, "calibration_intro", lambda: "")()
    text = markdown(calibrate(args.seeds, args.jobs), args.seeds, intro, getattr(grading, "METRIC_KINDS", {}))
    appendix = getattr(grading, "calibration_appendix", None)
    if args.training_seeds and appendix:
        text += appendix(args.training_seeds)
    if args.write:
        Path(args.write).write_text(text)
    print(text)


if __name__ == "__main__":
    main()

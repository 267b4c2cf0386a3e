"""Tolerance calibration: grade a correct submission under many hidden seeds
and report, per check, the worst measured error against its tolerance.

    python -m autograder.calibrate --seeds 100 --jobs 2 --write source/rnn_captioning/grading/TOLERANCES.md

The submission graded is the assignment's calibration submission
(grading.calibration_submission): correct code written differently from the
reference, so float64 errors are real rounding differences, not zeros. The
overfit checks are seed-independent; they are run once for the reference and
once for that submission. The assignment may add its own study
(grading.calibration_appendix), e.g. the overfit loss over training seeds.
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


def calibrate(seeds, jobs):
    task = assignment.load()
    work = Path(tempfile.mkdtemp(prefix="calibrate-"))
    reference = task.folder
    correct = task.grading.calibration_submission(reference, work / "classic" / task.id)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = list(pool.map(lambda s: grade(correct, work / ("out%d" % s), s, "not overfit"), range(seeds)))
        overfit = list(pool.map(lambda sub: grade(sub, work / ("overfit_" + sub.parent.name), 0, "overfit"),
                                [reference, correct]))
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


def markdown(table, seeds):
    lines = ["# Tolerances and their margins", "",
             "Measured by `python -m autograder.calibrate --seeds %d`: a correct submission written "
             "differently from the reference (`CLASSIC_CORRECT` in `classic.py`) graded under %d hidden "
             "seeds (`AUTOGRADER_HIDDEN_SEED` = 0..%d). Margin = tolerance / worst error; the overfit rows "
             "are the reference and the classic submission trained once each (the seeds fix the training seed)."
             % (seeds, seeds, seeds - 1), "",
             "Where the bounds come from: float64 comparisons with the reference use the notebook's elementwise "
             "relative error and the notebook's bounds (`check_data.TOLERANCES`); float32 results and "
             "finite differences use the scaled error max|a-b|/max|b| with the bounds in "
             "`grading/tolerances.py`; sampling must match exactly (hidden models are drawn so no greedy "
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
            margin = _times(tolerance / worst) if worst else "error 0"
        lines.append("| %s | %s | %s | %.2g | %s | %d / %d |" % (
            name, entry["metric"], _bound(tolerance), worst, margin,
            entry["failures"], entry["runs"]))
    measured = [(entry["tolerance"] / entry["worst"], name) for name, entry in table.items()
                if entry["worst"] and entry["metric"] not in ("training loss", "rows that differ")]
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
    text = markdown(calibrate(args.seeds, args.jobs), args.seeds)
    appendix = getattr(assignment.load().grading, "calibration_appendix", None)
    if args.training_seeds and appendix:
        text += appendix(args.training_seeds)
    if args.write:
        Path(args.write).write_text(text)
    print(text)


if __name__ == "__main__":
    main()

"""Which parts of the assignment do you have right? Run it inside this folder:

    python selfcheck.py              # the quick checks, a few seconds
    python selfcheck.py --shapes     # also generated inputs: sizes of 1, saturated units
    python selfcheck.py --overfit    # also the grader's two overfitting runs (seconds to minutes)
    python selfcheck.py rnn_forward lstm_loss    # only some parts
    python selfcheck.py --zip        # the checks, then the zip to submit

It runs the same visible checks as the notebooks (captioning/public_checks.py)
against your own package and prints one row per part of rubric.json with its
points, and the autograder's words for a mistake it recognises. A part that
fails while a function it uses fails its own check is "waiting": the autograder
checks it again with a correct one in place of yours. --shapes adds inputs
drawn here (captioning/shape_checks.py), where a dimension is 1, which is where
np.squeeze and friends go wrong. The autograder uses other, hidden inputs as
well, so passing here is necessary, not sufficient. Exit status 0 means every
part that ran passed.

When your instructor publishes a newer release, save its release.json as
latest_release.json in this folder (or the one above it): this script then
says, first, which files changed since your release (nothing is downloaded,
nothing is changed).

--zip then writes rnn_captioning_submission.zip in this folder: exactly the
files to submit, the ones you edit (captioning/rnn_layers.py and
captioning/classifiers/rnn.py) and the two notebooks (your answers to the
inline questions). Save the notebooks first. README.md says where to upload it.
"""
import argparse
import json
import os
import sys
import time
import traceback
import zipfile
from pathlib import Path

# One BLAS thread, as the autograder runs your code: the CPU time printed here is then the
# CPU time the autograder counts (several threads would each add theirs).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from captioning import diagnosis, shape_checks  # noqa: E402  (the path and threads must be set first)
from captioning.public_checks import (  # noqa: E402
    GRADED_OVERFIT_SETTINGS, CheckOutcome, failing_dependencies, overfit_measurement, overfit_outcome, run_check,
    train_overfit_model, training_set_loss)


def load_settings():
    with open(HERE / "rubric.json") as f:
        return json.load(f)


def load_rubric():
    return load_settings()["parts"]


LATEST_RELEASE = "latest_release.json"


def release_news(settings, folder=HERE):
    """Lines telling a student that the published release (latest_release.json, here or in the
    folder above) is not theirs, and which of the release's files changed since; [] otherwise."""
    found = next((place for place in (folder / LATEST_RELEASE, folder.parent / LATEST_RELEASE)
                  if place.is_file()), None)
    if found is None:
        return []
    try:
        latest = json.loads(found.read_text())
        published, published_files = latest["version"], dict(latest["files"])
    except (ValueError, KeyError, TypeError):
        return ["%s is not a release.json of this assignment: ask your instructor for the file again." % found]
    if latest.get("assignment") != settings["assignment"]:
        return ["%s is for the assignment %s, not %s." % (found, latest.get("assignment"), settings["assignment"])]
    ours = settings.get("version", "")
    if published == ours:
        return []
    lines = ["This folder is release %s of the assignment; your instructor published release %s."
             % (ours or "(unknown)", published)]
    try:
        mine = json.loads((folder / "release.json").read_text())["files"]
    except (OSError, ValueError, KeyError):
        return lines + ["This folder has no release.json, so which files changed cannot be told."]
    changed = sorted(path for path in set(published_files) | set(mine) if published_files.get(path) != mine.get(path))
    yours = set(latest.get("students_edit", []))
    theirs = [path for path in changed if path not in yours]
    edited = [path for path in changed if path in yours]
    if theirs:
        lines.append("Files of the release that changed (you do not edit them): %s." % ", ".join(theirs))
    if edited:
        lines.append("Files you edit whose released version changed (your work in them is yours; compare "
                     "before you copy anything): %s." % ", ".join(edited))
    return lines


def submission_files(settings):
    """The files to submit, relative to this folder: the graded files, then the notebooks."""
    graded = ["%s/%s" % (settings["package"], path) for path in settings["graded_files"].values()]
    notebooks = list(dict.fromkeys(part["notebook"] + ".ipynb" for part in settings["parts"]))
    return graded, notebooks


def write_submission_zip(settings, folder=HERE):
    """Write <assignment>_submission.zip in folder; returns (its path, the files in it, problems)."""
    graded, notebooks = submission_files(settings)
    missing = [name for name in graded + notebooks if not (folder / name).is_file()]
    path = folder / ("%s_submission.zip" % settings["assignment"])
    written = [name for name in graded + notebooks if name not in missing]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in written:
            archive.write(folder / name, name)
    return path, written, missing


def run_overfit(cell_type):
    """Train the small overfitting model with a progress bar; never raises."""
    from tqdm import tqdm
    part = "overfit_%s" % cell_type
    bar = tqdm(desc="overfit %s" % cell_type, unit="it", leave=False, file=sys.stderr)

    def progress(iteration, total, loss):
        bar.total = total
        bar.set_postfix(loss="%.3f" % loss, refresh=False)
        bar.update(1)

    started = time.process_time()
    try:
        settings = GRADED_OVERFIT_SETTINGS[cell_type]
        model, solver = train_overfit_model(cell_type, progress=progress, settings=settings)
        # The loss on every training caption, as the autograder measures it (it recomputes it
        # with a correct loss: the same number while your loss passes its own check).
        measurement = overfit_measurement(cell_type, training_set_loss(model, solver.data), settings)
    except NotImplementedError as exc:
        return CheckOutcome(part, "not implemented", detail=str(exc), hint="not_implemented")
    except Exception as exc:  # a bug in the model must be a row, not a crash
        message, hint_id = diagnosis.error_finding("".join(traceback.format_exception(type(exc), exc,
                                                                                      exc.__traceback__)))
        outcome = CheckOutcome(part, "error", detail=message, hint=hint_id)
        if failing_dependencies(part, written_only=True):
            outcome.status = "waiting"
            outcome.detail += "; " + diagnosis.waiting_for(failing_dependencies(part))
        return outcome
    finally:
        bar.close()
    outcome = overfit_outcome(cell_type, measurement)
    # A failing loss is in the row's measurements already.
    reached = "loss on the training captions %.4g (%s)" % (measurement.value, measurement.bound_text()) \
        if outcome.passed else ""
    trained = "trained in %.1f s of CPU time" % (time.process_time() - started)
    outcome.detail = "; ".join(text for text in (outcome.detail, reached, trained) if text)
    return outcome


def outcome_for(part, with_overfit, with_shapes, earlier):
    """The part's CheckOutcome; with_shapes adds the generated inputs (shape_checks), whose
    failure fails a part that passed, or makes it wait for a part it uses that failed there."""
    if part["kind"] == "manual":
        return CheckOutcome(part["id"], "manual", detail="graded by your instructor")
    if part["id"].startswith("overfit_"):
        if not with_overfit:
            return CheckOutcome(part["id"], "not run", detail="add --overfit to run it")
        return run_overfit(part["id"].split("_", 1)[1])
    outcome = run_check(part["id"])
    if with_shapes and outcome.passed and part["id"] in shape_checks.parts():
        status, detail, hint_id = shape_checks.run(part["id"])
        if status != "pass":
            waiting = [dep for dep in part["depends_on"] if earlier.get(dep) == "fail generated"]
            outcome.status, outcome.hint = ("waiting", None) if waiting else (status, hint_id)
            outcome.detail = "generated inputs: " + detail + (
                "; " + diagnosis.waiting_for(waiting) if waiting else "")
            earlier[part["id"]] = "fail generated"
    return outcome


def summary(outcome):
    """The failing measurements with their bounds (the first three), then the diagnosis and
    every note (never cut: a "fix it first" note says where to start)."""
    failing = [m for m in outcome.measurements if not m.passed]
    measured = "; ".join("%s %s %.3g (%s)" % (m.label, m.what, m.value, m.bound_text())
                         for m in failing[:3]) + (" ..." if len(failing) > 3 else "")
    return ". ".join(text for text in (measured, outcome.detail) if text)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check your captioning package against the visible checks.")
    parser.add_argument("parts", nargs="*", help="part ids to check (default: all)")
    parser.add_argument("--overfit", action="store_true", help="also run the overfitting checks")
    parser.add_argument("--shapes", action="store_true",
                        help="also run generated inputs with a dimension of 1 and saturated units")
    parser.add_argument("--json", action="store_true", help="print {part id: status} as JSON instead of the table")
    parser.add_argument("--zip", action="store_true",
                        help="then write <assignment>_submission.zip: exactly the files to submit")
    args = parser.parse_args(argv)

    rubric = load_rubric()
    known = {p["id"] for p in rubric}
    unknown = [p for p in args.parts if p not in known]
    if unknown:
        parser.error("unknown part(s): %s; choose from %s" % (", ".join(unknown), ", ".join(sorted(known))))
    chosen = [p for p in rubric if not args.parts or p["id"] in args.parts]

    table = not args.json
    news = release_news(load_settings())
    if news:
        print("\n".join(news) + "\n", file=sys.stdout if table else sys.stderr)
    if table:
        print("%-28s %6s  %-16s %s" % ("part", "points", "status", "details"))
        print("-" * 96)
    statuses, trained, earlier = {}, [], {}
    for part in chosen:
        started = time.process_time()
        outcome = outcome_for(part, args.overfit or part["id"] in args.parts, args.shapes, earlier)
        statuses[part["id"]] = outcome.status
        if part["id"].startswith("overfit_") and outcome.status != "not run":
            trained.append(time.process_time() - started)
        if table:
            print("%-28s %6d  %-16s %s" % (part["title"][:28], part["points"], outcome.status, summary(outcome)))
            sys.stdout.flush()
    ran = [s for s in statuses.values() if s not in ("manual", "not run")]
    failed = sum(s not in ("pass", "waiting") for s in ran)
    waiting = sum(s == "waiting" for s in ran)
    if table:
        print("-" * 96)
        if failed or waiting:
            print("%d of the %d parts checked need work%s." % (
                failed + waiting, len(ran), " (%d of them waiting for a part they use)" % waiting if waiting else ""))
        else:
            print("All %d parts checked pass. The autograder also uses hidden inputs." % len(ran))
        budget = load_settings().get("time_budget_seconds")
        if budget and trained:
            print("The autograder gives your code %d s of CPU time per grading, both trainings included, on a "
                  "machine that may be slower than yours (your trainings took %.0f s here)." % (budget, sum(trained)))
    else:
        print(json.dumps(statuses))
    if args.zip:
        path, written, missing = write_submission_zip(load_settings())
        graded = submission_files(load_settings())[0]
        if any(name in missing for name in graded):
            print("\nNot written: %s missing. Run this in the assignment folder." % ", ".join(missing),
                  file=sys.stderr)
            path.unlink()
            return 2
        print("\nWrote %s with %s." % (path.name, ", ".join(written)), file=sys.stderr if args.json else sys.stdout)
        if missing:
            print("Missing (the zip is still gradable): %s" % ", ".join(missing),
                  file=sys.stderr if args.json else sys.stdout)
        print("Save your notebooks before you run this. Upload this zip as README.md says (How to submit).",
              file=sys.stderr if args.json else sys.stdout)
    return 1 if failed or waiting else 0


if __name__ == "__main__":
    sys.exit(main())

"""Grading one Gradescope submission, inside its container (run_autograder calls this).

    python -m autograder.gradescope_run [-k EXPR]

Reads $GRADESCOPE_ROOT/submission (default /autograder), writes
$GRADESCOPE_ROOT/results/results.json, always: whatever the upload holds, and
even if the container is stopped midway. A "did not finish" file is written
first and rewritten after every check with the checks finished so far, so a
container stopped by Gradescope's time or memory limit keeps them.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from uploads.wording import counted

from . import report, submission
from .grade import grade_submission, load_assignment

# Students see their tests and the report; the run's own stdout (the grader's
# log) is for the instructor only. Hidden inputs' values never appear anywhere.
VISIBILITY = "visible"
STDOUT_VISIBILITY = "hidden"


def upload_name(upload):
    """The student's upload as they know it: its file names (Gradescope unpacks a zip it was given)."""
    try:
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in Path(upload).iterdir()
                       if not p.name.startswith("."))
    except OSError:
        names = []
    if not names:
        return "your upload (empty)"
    shown = ", ".join("`%s`" % name for name in names[:3])
    return "your upload: %s%s" % (shown, " and %d more" % (len(names) - 3) if len(names) > 3 else "")


def _write(results, results_dir):
    """Atomic: Gradescope never reads half a file."""
    results.setdefault("visibility", VISIBILITY)
    results["stdout_visibility"] = STDOUT_VISIBILITY
    temporary = results_dir / "results.json.tmp"
    temporary.write_text(json.dumps(results, indent=2))
    os.replace(temporary, results_dir / "results.json")


def _message_only(text):
    return {"score": 0, "output": text, "output_format": "md", "tests": []}


STOPPED = "Grading did not finish: the autograder was stopped (time or memory limit). Tell your instructor."


def partial_results_writer(results_dir, upload):
    """on_row for grade_submission: results.json with the checks finished so far, headed by STOPPED."""
    started = time.monotonic()

    def on_row(scored, summaries):
        grade = report.Grade(upload_name(upload), "", scored, summaries, time.monotonic() - started)
        results = report.results_json(grade)
        results["output"] = ("%s\n\nCounted: the %s below, which finished before it was stopped; the "
                             "others are missing." % (STOPPED, counted(len(scored), "check")))
        _write(results, results_dir)
    return on_row


def grade_upload(root, select=None):
    """Grade ROOT/submission into ROOT/results/results.json; always leaves a results.json."""
    root = Path(root)
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(results_dir, 0o755)                        # the sandbox uid can read, never write
    # If the container is stopped (time or memory limit), this one stays.
    _write(_message_only(STOPPED), results_dir)
    staging = Path(tempfile.mkdtemp(prefix="gradescope-"))
    try:
        assignment = load_assignment()
        upload = root / "submission"
        # The grader locates the package itself (submission.locate, as for `grade`);
        # this look only words the headline when there is nothing to grade.
        found, notes = submission.locate(upload, staging / "look", assignment)
        header = []
        if found is None:
            marker = submission.marker_file(assignment).rsplit("/", 1)[-1]
            header = ["**No `%s` was found in your upload, so nothing could be graded.**" % marker, "",
                      submission.accepted_uploads(assignment), ""] + ["- " + note for note in notes] + [""]
        out = staging / "out"
        grade_submission(upload, out, select=select, assignment=assignment,
                         on_row=partial_results_writer(results_dir, upload))
        results = json.loads((out / "results.json").read_text())
        markdown = report.retitle((out / "report.md").read_text(), upload_name(upload))
        results["output"] = ("\n".join(header) + "\n" + markdown).strip() + "\n"
        results["output_format"] = "md"
        print("graded %s: %s / %s" % (upload, results["score"], results["extra_data"]["max_score"]))
    except Exception:
        traceback.print_exc()                           # stdout is hidden: for the instructor
        results = _message_only("The autograder could not grade this submission because of a problem "
                                "of the grader, not of your code. Tell your instructor.")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _write(results, results_dir)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope_run",
                                     description="Grade $GRADESCOPE_ROOT/submission (default /autograder).")
    parser.add_argument("-k", dest="select", help="run only the checks matching this keyword expression")
    args = parser.parse_args(argv)
    grade_upload(os.environ.get("GRADESCOPE_ROOT", "/autograder"), select=args.select)
    return 0


if __name__ == "__main__":
    sys.exit(main())

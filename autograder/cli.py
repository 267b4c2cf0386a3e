"""`python -m autograder grade SUBMISSION --out DIR` (and grade-batch).

Exit status: 0 whenever grading completed, whatever the score; 2 when the
grader itself cannot run (missing rubric, reference or data), with the reason.
"""
import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import report, rubric, runner, scoring, submission
from .compare import Outcome
from .paths import DATA_DIR, REFERENCE_DIR, RUBRIC_PATH
from .proxy import StudentProxy
from .sandbox import Sandbox, detect_isolation


class GraderCannotRun(Exception):
    """A problem of the grader's installation, not of the submission."""


def check_prerequisites():
    if not RUBRIC_PATH.is_file():
        raise GraderCannotRun("the rubric %s is missing" % RUBRIC_PATH)
    if not (REFERENCE_DIR / "captioning" / "rnn_layers.py").is_file():
        raise GraderCannotRun("the reference package in %s is missing" % REFERENCE_DIR)
    if not (DATA_DIR / "coco2014_captions.h5").is_file():
        raise GraderCannotRun("the dataset %s is missing (run `make data`)" % DATA_DIR)


def _logs(proxy_log):
    logs = []
    for title, run in proxy_log:
        errors = run.meta.get("errors") if isinstance(run.meta.get("errors"), dict) else {}
        tracebacks = "\n".join(str(text) for text in errors.values())
        if run.meta.get("fatal"):
            tracebacks += "\n" + str(run.meta["fatal"])
        stderr = run.stderr + ("\n" + tracebacks if tracebacks.strip() else "")
        logs.append((title or "run", run.stdout, stderr.strip(), run.status, run.wall_seconds))
    return logs


def grade_submission(submission_path, out_dir, isolation=None, select=None):
    """Grade one submission and write its reports; returns the report.Grade."""
    check_prerequisites()
    started = time.monotonic()
    parts = rubric.parts_by_id()
    isolation = isolation or detect_isolation()
    workdir = Path(tempfile.mkdtemp(prefix="autograder-"))
    notes, log, curves = [], [], {}
    try:
        try:
            prepared = submission.prepare(submission_path, workdir)
            notes += prepared.notes
            notes.append("provided modules replaced by the kit's copies: " + ", ".join(prepared.replaced))
        except submission.SubmissionError as exc:
            prepared = None
            notes.append("the submission could not be read: %s" % exc)
        if prepared is None:
            rows = [runner.Row(part.id, title, Outcome(False, "the submission could not be read: %s"
                                                       % notes[-1].split(": ", 1)[-1]))
                    for part in parts.values() if part.kind == "auto"
                    for title in runner.plan.planned_checks(part.id)]
        else:
            sandbox = Sandbox(prepared.scratch_dir, isolation=isolation)
            try:
                context = runner.GradingContext(StudentProxy(sandbox, log), parts)
                rows = runner.run_checks(context, select=select)
                curves = context.curves
                if context.grader_faults:
                    notes.append("the grader hit an internal error in %d check(s); tell your instructor"
                                 % len(context.grader_faults))
            finally:
                sandbox.close()
        scored, summaries = scoring.score(rows, parts)
        grade = report.Grade(str(submission_path), isolation, scored, summaries,
                             time.monotonic() - started, notes, _logs(log), curves)
        report.write_all(grade, Path(out_dir))
        return grade
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one submission (folder, zip or nbgrader folder)")
    grade.add_argument("submission")
    grade.add_argument("--out", required=True, help="folder for results.json, report.md, report.html")
    grade.add_argument("--isolation", choices=["bubblewrap", "unprivileged-user", "rlimits-only"],
                       help="force an isolation level (default: the best available)")
    grade.add_argument("-k", dest="select", help="run only the checks matching this pytest expression")
    batch = commands.add_parser("grade-batch", help="grade every submission in a folder")
    batch.add_argument("folder")
    batch.add_argument("--out", required=True)
    batch.add_argument("--jobs", type=int, default=2, help="submissions graded at the same time")
    batch.add_argument("-k", dest="select", help="run only the checks matching this pytest expression")
    bundle = commands.add_parser("gradescope-bundle", help="write the Gradescope autograder zip")
    bundle.add_argument("zip", help="the zip to write, e.g. out/gradescope_autograder.zip")
    args = parser.parse_args(argv)
    try:
        if args.command == "grade":
            result = grade_submission(args.submission, args.out, isolation=args.isolation, select=args.select)
            print("%s: %g / %g automatic points (isolation: %s); reports in %s"
                  % (args.submission, result.score, result.max_score, result.isolation, args.out))
        elif args.command == "gradescope-bundle":
            from .gradescope import build_bundle
            path = build_bundle(args.zip)
            print("%s: %.1f MB; upload it as the assignment's autograder" % (path, path.stat().st_size / 1e6))
        else:
            from .batch import grade_batch
            grade_batch(Path(args.folder), Path(args.out), jobs=args.jobs, select=args.select)
    except GraderCannotRun as exc:
        print("the grader cannot run: %s" % exc, file=sys.stderr)
        return 2
    return 0

"""`python -m autograder grade SUBMISSION --out DIR` (and grade-batch, gradescope-bundle).

Exit status: 0 whenever grading completed, whatever the score; 2 when the
grader itself cannot run (missing rubric, reference or data), with the reason.
"""
import argparse
import sys
from pathlib import Path

from .grade import GraderCannotRun, grade_submission, load_assignment


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one submission (folder, zip or nbgrader folder)")
    grade.add_argument("submission")
    grade.add_argument("--out", required=True, help="folder for results.json, report.md, report.html")
    grade.add_argument("--isolation", choices=["bubblewrap", "unprivileged-user", "rlimits-only"],
                       help="force an isolation level (default: the best available)")
    grade.add_argument("-k", dest="select", help="run only the checks matching this keyword expression")
    grade.add_argument("--lanes", type=int, choices=[1, 2],
                       help="sandboxes run side by side: 2 runs training beside the other checks "
                            "(default: 2 when the machine has a second core)")
    batch = commands.add_parser("grade-batch", help="grade every submission in a folder")
    batch.add_argument("folder")
    batch.add_argument("--out", required=True)
    batch.add_argument("--jobs", type=int, default=2, help="submissions graded at the same time")
    batch.add_argument("-k", dest="select", help="run only the checks matching this keyword expression")
    bundle = commands.add_parser("gradescope-bundle", help="write the Gradescope autograder zip")
    bundle.add_argument("zip", help="the zip to write, e.g. out/gradescope_autograder.zip")
    args = parser.parse_args(argv)
    try:
        if args.command == "grade":
            result = grade_submission(args.submission, args.out, isolation=args.isolation, select=args.select,
                                      lanes=args.lanes)
            print("%s: %g / %g automatic points (isolation: %s); reports in %s"
                  % (args.submission, result.score, result.max_score, result.isolation, args.out))
        elif args.command == "gradescope-bundle":
            from .gradescope_bundle import build_bundle
            path = build_bundle(args.zip, load_assignment())
            print("%s: %.1f MB; upload it as the assignment's autograder" % (path, path.stat().st_size / 1e6))
        else:
            from .batch import grade_batch
            grade_batch(Path(args.folder), Path(args.out), jobs=args.jobs, select=args.select)
    except GraderCannotRun as exc:
        print("the grader cannot run: %s" % exc, file=sys.stderr)
        return 2
    return 0

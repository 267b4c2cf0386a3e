"""The kit's commands: grade, grade-batch, gradescope-bundle and similarity, installed as
one command (see pyproject.toml's [project.scripts]) and runnable as `python -m autograder`.

Each command's `--help` gives examples, the input it expects and its exit
status. Bad input gets a one-line reason on stderr, never a traceback.
"""
import argparse
import signal
import sys
import threading
from functools import lru_cache
from pathlib import Path

from uploads.layout import select_assignment
from uploads.wording import installed_command

from . import assignment as assignments
from .paths import KIT_ROOT
from .grade import EXIT_CANNOT_RUN, EXIT_STOPPED, EXIT_UNREADABLE, GraderCannotRun, grade_with_status, load_assignment


@lru_cache(maxsize=None)
def program_name():
    """The installed command's name, whichever way we were started (`python -m autograder`
    included): usage lines and examples then show what users type."""
    return installed_command("autograder.cli:main", fallback="python -m autograder")


class SubcommandParser(argparse.ArgumentParser):
    """A subcommand's parser that reports options it does not know itself, with its own usage.

    argparse hands a subcommand's unknown options back to the top-level parser, whose
    error then shows the top-level usage, which does not list the subcommand's options."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, unknown = super().parse_known_args(args, namespace)
        if unknown:
            self.error("unrecognized arguments: %s" % " ".join(unknown))
        return namespace, unknown


TOP_EPILOG = """\
examples:
  %(prog)s grade submitted/alice/{id} --out out/alice
  %(prog)s grade-batch submitted/ --out out/graded
  %(prog)s gradescope-bundle out/gradescope_autograder.zip
  %(prog)s similarity submitted/ --out out/similarity
  %(prog)s grade --help          # a command's examples, the input it expects, its exit status

exit status:
  the command's own (each command's --help lists them)
  2  no command, an unknown command or bad arguments
"""

GRADE_EPILOG = """\
examples:
  %(prog)s submitted/alice/{id} --out out/alice
  %(prog)s alice.zip --out out/alice
  %(prog)s alice.zip --out out/alice -k "{first_part} and not float32"   # a quick partial run

SUBMISSION is the assignment folder (as released: {id}/ with
{graded}), a .zip of it
(with or without the top folder), or nbgrader's submitted/<student>/{id}.

Writes DIR/results.json (Gradescope's schema), DIR/report.md, DIR/report.html and
DIR/checks.json (every check's result and fingerprint, for --earlier).

exit status:
  0  graded (whatever the score)
  2  the grader cannot run (rubric, reference or dataset missing; run `make data`),
     or bad arguments (SUBMISSION does not exist, --out is a file): nothing written
  3  the submission could not be read (damaged or empty zip, no
     {first_file} where expected): the reason on stderr; the reports
     are still written, every check failed with that reason
  130  stopped by Ctrl-C or SIGTERM before the end (sandboxes closed, no grade)
"""

BATCH_EPILOG = """\
examples:
  %(prog)s submitted/ --out out/graded                 # nbgrader's submitted/<student>/{id}
  %(prog)s zips/ --out out/graded --jobs 4             # one <student>.zip each
  %(prog)s submitted/ --out out/graded --similarity    # and compare the code (out/graded/similarity/)
  %(prog)s submitted/ --out out/graded --scheduler tcp://10.0.0.5:8786   # on a Dask cluster

expected layout (one entry per student; the entry's name is the student id):
  FOLDER/alice/{id}/{first_file}    nbgrader's submitted/ folder
  FOLDER/bob/{first_file}    the assignment folder's contents
  FOLDER/carol.zip    a zip of either
Hidden entries (.name) are ignored; any other file (notes.txt, a .tar.gz) is not a
submission: it is listed in the console and the summary, and skipped.

Writes, in DIR:
  <student>/results.json, report.md, report.html   each student's reports
  <student>/status.json                             graded / unreadable / grader error, and the cache key
  grades.csv        a max-points row, then one row per student: status, a column per part
                    (manual questions empty until graded), automatic total
  lms_grades.csv    student_id,total (automatic points; empty when not graded): for an LMS import
  regrade.csv       after a change to the checks: one row per changed score
  summary.md, summary.html   the class summary (what needs a look, a row and report link per
                    student, mistakes with who made them, what is not done, score charts)

Resumable: a submission is graded again only when the graded files, the kit
(grading code, reference, rubric) or the options changed, or when its last
grading hit a grader error. After a change to the checks alone, only the checks
whose fingerprint changed run again; every score that changed is appended to
DIR/regrade.csv (old and new score, the parts, whether it was applied), and a
lower score is applied only with --allow-lower (the earlier grade stands).

exit status:
  0  every submission graded
  1  done, but some submissions could not be graded (listed; see summary.md)
  2  could not run: FOLDER missing or holding no submission, --out is a file, bad
     arguments, the grader cannot run, or the Dask scheduler cannot be reached or
     went away (a re-run grades only what is missing)
  130, 143  stopped by Ctrl-C (SIGINT) or SIGTERM: what finished keeps its reports and
     status, grades.csv and the summary mark the rest "not graded"; a re-run grades the rest
"""

BUNDLE_EPILOG = """\
examples:
  %(prog)s out/gradescope_autograder.zip

Upload the zip as the autograder of a Gradescope programming assignment
(Ubuntu 22.04 base image); see autograder/README.md. Needs `make data` first.

exit status:
  0  written
  2  the grader cannot run (rubric, reference or dataset missing), the zip's path is a
     folder, or bad arguments
"""

SIMILARITY_EPILOG = """\
examples:
  %(prog)s submitted/ --out out/similarity
  %(prog)s submitted/ --out out/similarity --reference known_solutions/

FOLDER holds one submission per student, as grade-batch takes them. --reference
holds known solutions (public repositories, earlier years). Student code is
parsed, never run. Writes similarity.csv, similarity.html, similarity.png and
summary.md; how to read them: similarity/README.md.

exit status:
  0  done, no pair at or above the threshold
  1  done, at least one pair flagged
  2  could not run (FOLDER or --reference missing, --out is a file, bad arguments)
"""


class BadInput(Exception):
    """A command-line input the command cannot use (one line, no traceback)."""


def help_names():
    """The assignment's own names for the examples in --help (placeholders when it cannot load)."""
    try:
        task = assignments.load()
    except Exception:               # --help must work even when the kit is incomplete
        return {"id": "ASSIGNMENT", "first_part": "PART", "first_file": "PACKAGE/FILE.py",
                "graded": "the graded files"}
    files = task.graded_paths
    return {"id": task.id, "first_part": task.auto_parts[0].id, "first_file": files[0],
            "graded": " and ".join(files)}


def _parser():
    formatter = argparse.RawDescriptionHelpFormatter
    names = help_names()
    parser = argparse.ArgumentParser(prog=program_name(), formatter_class=formatter,
                                     description="Grade submissions in a sandbox, one or a whole class, "
                                                 "and look for copied code.",
                                     epilog=TOP_EPILOG.format(**names))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=SubcommandParser)
    # Every command grades, bundles or compares one assignment: the only one under source/ unless told.
    chosen = argparse.ArgumentParser(add_help=False)
    chosen.add_argument("--assignment", metavar="ID",
                        help="the assignment: an id under source/, or a folder holding rubric.json and "
                             "grading/ (default: the only one)")

    grade = commands.add_parser("grade", help="grade one submission (folder, zip or nbgrader folder)",
                                description="Grade one submission with the hidden checks, in the sandbox.",
                                epilog=GRADE_EPILOG.format(**names), formatter_class=formatter,
                                parents=[chosen])
    grade.add_argument("submission", help="the submission: folder, .zip, or submitted/<student>/%s" % names["id"])
    grade.add_argument("--out", required=True, metavar="DIR", help="folder for results.json, report.md, report.html")
    grade.add_argument("--label", metavar="NAME", help="the submission's name in the reports (default: SUBMISSION)")
    grade.add_argument("--isolation", choices=["bubblewrap", "unprivileged-user", "rlimits-only"],
                       help="force an isolation level (default: the best available)")
    grade.add_argument("-k", dest="select", metavar="EXPR",
                       help="run only the checks matching this keyword expression (check ids <part>::<check>)")
    grade.add_argument("--lanes", type=int, choices=[1, 2],
                       help="sandboxes run side by side: 2 runs training beside the other checks "
                            "(default: 2 when the machine has a second core)")
    grade.add_argument("--earlier", metavar="CHECKS_JSON",
                       help="an earlier grading's checks.json: when it graded the same files, the checks that "
                            "did not change since keep their results and only the others run")

    batch = commands.add_parser("grade-batch", help="grade every submission in a folder (parallel, resumable)",
                                description="Grade every submission in FOLDER, each in its own grader process.",
                                epilog=BATCH_EPILOG.format(**names), formatter_class=formatter,
                                parents=[chosen])
    batch.add_argument("folder", help="one sub-folder or .zip per student")
    batch.add_argument("--out", required=True, metavar="DIR", help="folder for every report, grades.csv, summary")
    batch.add_argument("--jobs", type=int, default=2,
                       help="submissions graded at the same time (default %(default)s; with --scheduler, "
                            "the cluster's workers decide)")
    batch.add_argument("-k", dest="select", metavar="EXPR",
                       help="run only the checks matching this keyword expression")
    batch.add_argument("--isolation", choices=["bubblewrap", "unprivileged-user", "rlimits-only"],
                       help="force an isolation level (default: the best available)")
    batch.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="grade on this Dask distributed cluster (each worker runs the kit's grader "
                            "with its own sandbox); see autograder/README.md")
    batch.add_argument("--similarity", action="store_true",
                       help="then compare the graded files of every submission (DIR/similarity/)")
    batch.add_argument("--reference", metavar="DIR", help="with --similarity: known solutions to compare with")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.add_argument("--allow-lower", action="store_true",
                       help="apply the scores that a regrade after a change to the checks lowers "
                            "(without it the earlier grade stands; regrade.csv says which)")

    bundle = commands.add_parser("gradescope-bundle", help="write the Gradescope autograder zip",
                                 description="Write the autograder zip for a Gradescope programming assignment.",
                                 epilog=BUNDLE_EPILOG, formatter_class=formatter, parents=[chosen])
    bundle.add_argument("zip", help="the zip to write, e.g. out/gradescope_autograder.zip")

    similarity = commands.add_parser("similarity", help="find copied code in a batch (and against known solutions)",
                                     description="Compare the graded files of every submission in FOLDER.",
                                     epilog=SIMILARITY_EPILOG, formatter_class=formatter,
                                     parents=[chosen])
    similarity.add_argument("folder", help="the batch: one sub-folder or .zip per student")
    similarity.add_argument("--out", required=True, metavar="DIR", help="folder for the reports (created)")
    similarity.add_argument("--reference", metavar="DIR", help="known solutions to compare every submission with")
    similarity.add_argument("--threshold", type=float, default=None, help="flag pairs scoring at least this (0..1)")
    similarity.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def _out_folder(path):
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise BadInput("--out %s is a file, not a folder" % out)
    return out


def run_similarity_command(folder, out, reference=None, threshold=None, progress=True):
    """`similarity`: similarity.run.run_similarity, its console table; returns the exit status."""
    from similarity.report import console_text
    from similarity.run import run_similarity
    from similarity.subject import for_assignment
    try:
        result = run_similarity(folder, out, reference=reference, threshold=threshold, progress=progress,
                                subject=for_assignment(load_assignment().folder, KIT_ROOT))
    except FileNotFoundError as exc:
        raise BadInput(str(exc))
    print(console_text(result))
    return result.exit_code


def _grade(args):
    if not Path(args.submission).exists():      # as grade-batch: nothing to report on, nothing written
        raise BadInput("%s does not exist" % args.submission)
    out = _out_folder(args.out)
    grade, unreadable = grade_with_status(args.submission, out, isolation=args.isolation, select=args.select,
                                          lanes=args.lanes, label=args.label, earlier=args.earlier)
    if unreadable:
        print("%s: could not be read: %s (reports in %s)" % (args.submission, unreadable, out), file=sys.stderr)
        return EXIT_UNREADABLE
    print("%s: %g / %g automatic points (isolation: %s); reports in %s"
          % (args.submission, grade.score, grade.max_score, grade.isolation, out))
    return 0


def _stop_on_sigterm():
    """In `grade`: SIGTERM (a batch being stopped) ends the grading as Ctrl-C does, through its
    clean-up, so that no sandbox outlives it."""
    def stop(signum, frame):
        signal.signal(signum, signal.SIG_IGN)
        raise KeyboardInterrupt
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        if args.assignment:
            try:
                select_assignment(args.assignment, KIT_ROOT)
            except LookupError as exc:
                raise BadInput(str(exc))
        if args.command == "grade":
            _stop_on_sigterm()
            try:
                return _grade(args)
            except KeyboardInterrupt:
                print("%s: the grading was stopped before it finished" % args.submission, file=sys.stderr)
                return EXIT_STOPPED
        if args.command == "gradescope-bundle":
            from .gradescope_bundle import build_bundle
            if Path(args.zip).is_dir():
                raise BadInput("%s is a folder; give the zip file to write" % args.zip)
            path = build_bundle(args.zip, load_assignment())
            print("%s: %.1f MB; upload it as the assignment's autograder" % (path, path.stat().st_size / 1e6))
            return 0
        if args.command == "similarity":
            if args.threshold is not None and not 0 < args.threshold <= 1:
                raise BadInput("--threshold must be in (0, 1]")
            return run_similarity_command(args.folder, _out_folder(args.out), args.reference, args.threshold,
                                          progress=not args.quiet)
        from .batch import BatchCannotRun, grade_batch
        if args.reference and not args.similarity:
            raise BadInput("--reference goes with --similarity")
        if args.reference and not Path(args.reference).is_dir():
            raise BadInput("--reference %s is not a folder" % args.reference)
        if args.jobs < 1:
            raise BadInput("--jobs must be at least 1")
        try:
            outcome = grade_batch(Path(args.folder), _out_folder(args.out), jobs=args.jobs, select=args.select,
                                  isolation=args.isolation, scheduler=args.scheduler, similarity=args.similarity,
                                  reference=args.reference, progress=not args.quiet,
                                  allow_lower=args.allow_lower)
        except BatchCannotRun as exc:
            raise BadInput(str(exc))
        except KeyboardInterrupt:        # before the grading began (StopSignals handles it after)
            print("%s %s: stopped before any grading began" % (program_name(), args.command), file=sys.stderr)
            return EXIT_STOPPED
        return outcome.exit_code
    except BadInput as exc:
        print("%s %s: %s" % (program_name(), args.command, exc), file=sys.stderr)
        return EXIT_CANNOT_RUN
    except GraderCannotRun as exc:
        print("the grader cannot run: %s" % exc, file=sys.stderr)
        return EXIT_CANNOT_RUN

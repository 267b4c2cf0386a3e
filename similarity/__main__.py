"""captioning-similarity FOLDER --out DIR [--reference DIR] [--threshold X] (or python -m similarity)"""
import argparse
import sys
from pathlib import Path

from uploads.layout import select_assignment
from uploads.wording import installed_command

from .run import THRESHOLD
from .subject import current, for_assignment, use

EPILOG = """\
examples:
  %(prog)s submitted/ --out out/similarity
  %(prog)s submissions/ --out out/sim --reference known_solutions/ --threshold 0.5

FOLDER holds one submission per student, as grade-batch takes them: a sub-folder
or a .zip each (the assignment folder, its contents, nbgrader's
submitted/<student>/{id}, or just {files}).
--reference DIR holds known solutions (from public repositories, earlier years),
in folders or zips, with {packages} packages.

Writes DIR/similarity.csv (ranked pairs, plus a row per submission with a
problem), DIR/similarity.html (flagged pairs side by side), DIR/similarity.png
(score distribution) and DIR/summary.md. How to read them: similarity/README.md.

exit status:
  0  done, no pair at or above the threshold
  1  done, at least one pair flagged
  2  could not run (FOLDER or --reference missing, --out is a file, bad arguments)
"""


def _for_the_subject(text, subject):
    """The help text with the compared assignment's id, graded files and package names."""
    return (text.replace("{id}", subject.layout.id)
            .replace("{files}", " and ".join(subject.roles))
            .replace("{packages}", ", ".join(p + "/" for p in subject.packages)))


def main(argv=None):
    try:
        subject = current()
        description = ("Find copied code among the graded files (%s) of a batch of submissions. "
                       "Student code is parsed, never run." % ", ".join(subject.layout.graded_files.values()))
        epilog = _for_the_subject(EPILOG, subject)
    except RuntimeError:            # several assignments, none chosen yet: --assignment says which
        description, epilog = "Find copied code among the graded files of a batch of submissions.", EPILOG
    parser = argparse.ArgumentParser(
        prog=installed_command("similarity.__main__:main", fallback="python -m similarity"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=description, epilog=epilog)
    parser.add_argument("folder", help="the batch: one sub-folder or .zip per student")
    parser.add_argument("--out", required=True, help="folder for the reports (created)")
    parser.add_argument("--reference", help="folder of known solutions to compare every submission with")
    parser.add_argument("--threshold", type=float, default=THRESHOLD,
                        help="flag pairs scoring at least this (0..1, default %(default)s)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for reading and comparing (default: up to 2)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--assignment", metavar="ID",
                        help="the assignment compared: an id under source/, or a folder holding rubric.json "
                             "and grading/ (default: the only one)")
    args = parser.parse_args(argv)
    if args.assignment:
        try:
            use(for_assignment(select_assignment(args.assignment)))
        except LookupError as exc:
            parser.error(str(exc))
    if not 0 < args.threshold <= 1:
        parser.error("--threshold must be in (0, 1]")
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if Path(args.out).exists() and not Path(args.out).is_dir():
        parser.error("--out %s is a file, not a folder" % args.out)
    from .report import console_text
    from .run import run_similarity
    try:
        result = run_similarity(args.folder, args.out, reference=args.reference, threshold=args.threshold,
                                progress=not args.quiet, workers=args.jobs)
    except FileNotFoundError as exc:
        print("%s: %s" % (parser.prog, exc), file=sys.stderr)
        return 2
    print(console_text(result))
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())

"""`python -m nbgrader_bridge import-grades RESULTS --assignment rnn_captioning
[--student ID] [--db URL] [--known-students-only]` (also `captioning-nbgrader ...`)

RESULTS is the grader's output folder for one student (RESULTS/results.json,
from `python -m autograder grade`) or a batch folder (one sub-folder per
student, from `python -m autograder grade-batch`). A student whose scores
cannot be imported, and (for a batch folder) a gradebook student with a
submission but no folder in it, gets 0 in every autograder cell with the
reason as a comment: no in-kernel score is left. Students missing from the
gradebook are added. Exit status: 0 when every student was imported, 1 when
any was not (each is reported, with its 0; the others are imported all the
same), 2 when nothing could be imported. The default
database is the course's, <course root>/gradebook.db, as for nbgrader itself,
from whatever folder the command runs.
"""
import argparse
import sys

from autograder.cli import SubcommandParser
from autograder.assignment import default_folder
from autograder.paths import KIT_ROOT
from uploads.wording import counted, installed_command

from .import_grades import ImportProblem, import_grades, summary_line

TOP_EPILOG = """\
examples:
  %(prog)s import-grades out/graded --assignment {assignment}
  %(prog)s import-grades --help     # the layout it reads, more examples, its exit status

exit status:
  import-grades's own (its --help lists them)
  2  no command, an unknown command or bad arguments
"""

EPILOG = """\
examples:
  %(prog)s out/graded --assignment {assignment}                    # a grade-batch folder
  %(prog)s out/graded --assignment {assignment} --known-students-only
  %(prog)s out/graded/alice --assignment {assignment} --student alice

expected layout of RESULTS (what the grader writes):
  RESULTS/<student>/results.json    a batch folder from `captioning-autograder grade-batch`;
                                    <student> is the nbgrader student id
  RESULTS/results.json              one student's folder from `captioning-autograder grade` (--student
                                    names the student; default: the folder's name)

Run it from the course root (where nbgrader_config.py and gradebook.db are),
after `nbgrader autograde`, which overwrites imported scores.

A student who cannot be imported (not graded by grade-batch, a damaged
results.json, ...) and a gradebook student with a submission but no folder in
RESULTS get 0 in every autograder cell, the reason as the comment of their
answer cells; nothing the student's kernel scored is left.

exit status:
  0  every student imported
  1  some students were not imported (each reported and scored 0; the others are imported)
  2  nothing could be imported (no results found, unknown assignment or database),
     or bad arguments
"""


def _for_the_assignment(text):
    """The examples with the kit's assignment id (when there is one assignment)."""
    try:
        return text.replace("{assignment}", default_folder().name)
    except RuntimeError:
        return text.replace("{assignment}", "ID")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=installed_command("nbgrader_bridge.__main__:main", fallback="python -m nbgrader_bridge"),
        description="Put the sandboxed grader's scores into nbgrader's gradebook.",
        epilog=_for_the_assignment(TOP_EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=SubcommandParser)
    command = commands.add_parser("import-grades", help="put the sandboxed grader's scores into gradebook.db",
                                  description="Write the sandboxed grader's score of each automatic part "
                                              "into the matching autograder cell of nbgrader's gradebook.",
                                  epilog=_for_the_assignment(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_argument("results", help="a grade folder (with results.json) or a batch folder")
    command.add_argument("--assignment", required=True)
    command.add_argument("--student", help="the student id (default: the grade folder's name; "
                                           "in a batch folder: import only this student)")
    command.add_argument("--db", default="sqlite:///%s" % (KIT_ROOT / "gradebook.db"),
                         help="nbgrader's database URL (default: the course's, %(default)s)")
    command.add_argument("--known-students-only", action="store_true",
                         help="report students missing from the gradebook instead of adding them")
    command.add_argument("--create-students", action="store_true", help=argparse.SUPPRESS)  # the default now
    args = parser.parse_args(argv)
    try:
        outcomes = import_grades(args.results, args.assignment, args.db, args.student,
                                 args.known_students_only)
    except ImportProblem as exc:
        print("nothing imported: %s" % exc, file=sys.stderr)
        return 2
    for imported in outcomes:
        print(summary_line(imported), file=sys.stderr if imported.error else sys.stdout)
    failed = [i.student for i in outcomes if i.error]
    zeroed = [i.student for i in outcomes if i.zeroed]
    print("%d of %s imported%s%s" % (
        len(outcomes) - len(failed), counted(len(outcomes), "student"), "; not imported: " + ", ".join(failed) if failed else "",
        " (scored 0 with the reason: %s)" % ", ".join(zeroed) if zeroed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

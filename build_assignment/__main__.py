"""Command line of the build; see the package docstring."""
import argparse
import sys

from uploads.layout import KIT_ROOT, select_assignment
from uploads.wording import counted, installed_command

EPILOG = """\
examples:
  %(prog)s                   # rebuild release/ and solutions/ in the repo
  %(prog)s --out DIR         # build into DIR/release, DIR/solutions
  %(prog)s --check           # build into a temporary folder, compare with the committed copies
  %(prog)s --jobs 2          # execute the two solutions notebooks side by side
  %(prog)s --assignment ID   # when source/ holds several assignments
  %(prog)s --patch OLD_RELEASE NEW_RELEASE --out out/patches
                             # a patch students run to update their folder from one release
                             # to the next (two release folders; docs/regrading.md)

Needs `make data` first (the solutions notebooks run on the embedded dataset).

exit status:
  0  built; with --check: the committed release/ and solutions/ are up to date
  1  with --check: some files differ from the committed ones (each listed);
     or the build failed: the embedded dataset is missing, a solutions notebook
     raised, or source/ has a problem (points not matching rubric.json, an
     unclosed solution region): the reason on stderr
  2  bad arguments; with --patch: a folder is not a release (no release.json), or
     the two releases have the same version or are of different assignments
"""


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=installed_command("build_assignment.__main__:main", fallback="python -m build_assignment"),
        description="Build the student release and the solutions from source/.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", metavar="ID",
                        help="the assignment to build: an id under source/, or a folder holding rubric.json "
                             "(default: the only one)")
    parser.add_argument("--out", help="root to build into (default: the repo); with --patch, the folder to "
                                      "write the patch into (default: here)")
    parser.add_argument("--no-execute", action="store_true",
                        help="skip running the solutions notebooks (quick, for debugging only)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebooks executed at the same time (default 1)")
    parser.add_argument("--check", action="store_true",
                        help="build into a temp dir and compare with the committed release/ and solutions/")
    parser.add_argument("--patch", nargs=2, metavar=("OLD", "NEW"),
                        help="write a patch that updates a student's folder from release OLD to release NEW "
                             "(two release folders): the files students do not edit and the notebooks' locked "
                             "cells, never their code or answers")
    args = parser.parse_args(argv)
    if args.patch:
        from .patch import write_patch
        try:
            path, payload = write_patch(*args.patch, args.out or ".")
        except ValueError as exc:
            print("%s: %s" % (parser.prog, exc), file=sys.stderr)
            return 2
        print("wrote %s: release %s to %s, %s, %s; students run `python %s` in their folder"
              % (path, payload["from"], payload["to"], counted(len(payload["files"]), "file"),
                 counted(len(payload["notebooks"]), "notebook"), path.name))
        return 0
    args.out = args.out or KIT_ROOT
    if args.assignment:
        try:
            select_assignment(args.assignment)
        except LookupError as exc:
            parser.error(str(exc))
    from .build import build, check       # after the choice: the build's paths follow the assignment
    if args.check:
        lines, count = check()
        for line in lines:
            print(line)
        print("build is up to date" if not count else "%s out of date: run `make build`" % counted(count, "file"))
        return 1 if count else 0
    build(args.out, execute=not args.no_execute, jobs=args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Grading one Gradescope submission, inside its container (run_autograder calls this).

    python -m autograder.gradescope_run [-k EXPR]

Reads $GRADESCOPE_ROOT/submission (default /autograder), writes
$GRADESCOPE_ROOT/results/results.json, always: whatever the upload holds, and
even if the container is stopped midway (a "did not finish" file is written
first).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import traceback
import zipfile
from pathlib import Path

from . import submission
from .grade import grade_submission, load_assignment

# Students see their tests and the report; the run's own stdout (the grader's
# log) is for the instructor only. Hidden inputs' values never appear anywhere.
VISIBILITY = "visible"
STDOUT_VISIBILITY = "hidden"
MAX_UPLOADED_ZIPS = 5


def accepted_uploads(assignment):
    files = [path.rsplit("/", 1)[-1] for path in assignment.graded_files.values()]
    folders = ["`%s`" % path for path in assignment.graded_files.values()]
    return """Accepted uploads (any one of):
- the assignment folder `%(a)s` (with `%(p)s/` inside), or a zip of it;
- the contents of that folder (`%(p)s/`, the notebooks, ...), or a zip of them;
- just the graded files %(files)s (%(folders)s in the package), loose or in a zip.
  Every other module of `%(p)s` is the kit's own copy in any case.""" % {
        "a": assignment.id, "p": assignment.package, "folders": ", ".join(folders),
        "files": " and ".join("`%s`" % f for f in files)}


def _unzip_uploads(upload, staging, notes):
    """Safely unpack zips found at the top of the upload or one level down: [(folder, zip name)]."""
    roots = []
    zips = [p for p in sorted(upload.glob("*.zip")) + sorted(upload.glob("*/*.zip"))
            if p.is_file() and not p.is_symlink()]
    for number, archive in enumerate(zips[:MAX_UPLOADED_ZIPS]):
        target = staging / ("unzipped-%d" % number)
        target.mkdir()
        try:
            if not zipfile.is_zipfile(archive):
                raise zipfile.BadZipFile("not a zip file")
            submission._unzip(archive, target, notes)   # the grader's own zip rules
            roots.append((target, archive.name))
        except Exception as exc:                      # a damaged zip is a note, never a crash
            notes.append("`%s` could not be unpacked: %s" % (archive.name, exc))
    return roots


def _where(path, roots):
    """How the student knows this file: its path in the upload or in their zip."""
    for root, label in roots:
        if path.is_relative_to(root):
            return "`%s` in %s" % (path.relative_to(root).as_posix(), "`%s`" % label if label else "your upload")
    return "`%s`" % path.name


def _loose(roots, name, prefer_parent=None):
    """The shallowest regular file called name, preferring one whose folder is prefer_parent."""
    found = []
    for root, _ in roots:
        for path in root.rglob(name):
            relative = path.relative_to(root)
            if path.is_file() and not path.is_symlink() and not any(
                    part.startswith((".", "__MACOSX")) for part in relative.parts):
                found.append((path.parent.name != prefer_parent, len(relative.parts), str(relative), path))
    return min(found)[3] if found else None


def locate_submission(upload, staging, assignment):
    """What to hand to the grader for this upload: (folder or None, notes for the student).

    The grader itself accepts a folder holding <package>/<first graded file> up
    to two levels down; anything else that holds the graded files is assembled
    into staging/assembled/<package> (the rest of the package is the kit's anyway)."""
    upload, staging = Path(upload), Path(staging)
    notes = []
    roots = [(upload, "")] + _unzip_uploads(upload, staging, notes)
    for root, _ in roots:
        try:
            package = submission.find_package(root, assignment.package, submission.marker_file(assignment))
        except submission.SubmissionError:
            continue
        notes.append("graded the package %s" % _where(package, roots))
        return package.parent, notes
    package = staging / "assembled" / assignment.package
    for number, relative in enumerate(assignment.graded_files.values()):
        parent, _, name = relative.rpartition("/")
        found = _loose(roots, name, prefer_parent=parent.rsplit("/", 1)[-1] or None)
        if found is None:
            if number == 0:
                return None, notes
            notes.append("no %s in your upload: the parts that need it cannot pass" % name)
            continue
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, package / relative)
        notes.append("graded %s: %s" % (relative, _where(found, roots)))
    return package.parent, notes


def _write(results, results_dir):
    """Atomic: Gradescope never reads half a file."""
    results.setdefault("visibility", VISIBILITY)
    results["stdout_visibility"] = STDOUT_VISIBILITY
    temporary = results_dir / "results.json.tmp"
    temporary.write_text(json.dumps(results, indent=2))
    os.replace(temporary, results_dir / "results.json")


def _message_only(text):
    return {"score": 0, "output": text, "output_format": "md", "tests": []}


def grade_upload(root, select=None):
    """Grade ROOT/submission into ROOT/results/results.json; always leaves a results.json."""
    root = Path(root)
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(results_dir, 0o755)                        # the sandbox uid can read, never write
    # If the container is stopped (time or memory limit), this one stays.
    _write(_message_only("Grading did not finish: the autograder was stopped (time or memory limit). "
                         "Tell your instructor."), results_dir)
    staging = Path(tempfile.mkdtemp(prefix="gradescope-"))
    try:
        assignment = load_assignment()
        upload = root / "submission"
        found, notes = locate_submission(upload, staging, assignment)
        header = ["- " + note for note in notes]
        if found is None:
            marker = submission.marker_file(assignment).rsplit("/", 1)[-1]
            header = ["**No `%s` was found in your upload, so nothing could be graded.**" % marker, "",
                      accepted_uploads(assignment), ""] + header
            found = upload                             # the grader gives every check its 0 and reason
        out = staging / "out"
        grade_submission(found, out, select=select, assignment=assignment)
        results = json.loads((out / "results.json").read_text())
        results["output"] = "\n".join(header).strip() + "\n\n" + (out / "report.md").read_text()
        results["output_format"] = "md"
        print("graded %s: %s / %s" % (found, results["score"], results["extra_data"]["max_score"]))
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

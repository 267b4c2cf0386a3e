"""Which entries of a batch folder are submissions: one rule for grade-batch, the copy check and
nbgrader's submitted/ folder.

A submission is a sub-folder or a .zip file (named without '.zip'). Hidden
entries and macOS's __MACOSX are not looked at. Every other entry (notes.txt,
a .tar.gz, a link to nothing) is not a submission: it is returned with the
reason, so that it is listed and skipped, never graded as a student.
"""
from pathlib import Path

NOT_A_SUBMISSION = "not a folder or a .zip, so not a submission: skipped"
BROKEN_LINK = "a symbolic link to nothing: skipped"


def is_ignored(path):
    return path.name.startswith(".") or path.name == "__MACOSX"


def find_submissions(folder, exclude=()):
    """({student: path}, [(entry name, why it is skipped)]) for a batch folder.

    exclude: folders that are not submissions (a batch's own output inside it).
    alice/ and alice.zip side by side are both kept, by their full names."""
    folder = Path(folder)
    excluded = {Path(p).resolve() for p in exclude}
    found, skipped = {}, []
    for path in sorted(folder.iterdir()):
        if is_ignored(path) or path.resolve() in excluded:
            continue
        if path.is_dir():
            name = path.name
        elif path.is_file() and path.suffix.lower() == ".zip":
            name = path.stem
        else:
            skipped.append((path.name, BROKEN_LINK if path.is_symlink() and not path.exists() else NOT_A_SUBMISSION))
            continue
        found[path.name if name in found else name] = path
    return found, skipped

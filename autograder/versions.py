"""What a grade depends on, as two hashes: the kit's version and a submission's content.

A batch re-grades a submission only when one of them changed (or the
options did): `kit_version()` hashes the grading code and the reference
(autograder/*.py, the modules of the assignment's grading/ a grading imports,
not its quality/ side; the reference package, rubric.json); `submission_hash()` hashes the files the
grader would grade: the scratch copy `submission.prepare` builds (the
package's .py files, the kit's provided modules in place) and its notes.
Timestamps, notebooks, datasets and zip metadata do not count.
"""
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from . import submission as submissions
from .paths import KIT_ROOT

# Environment variables that change what a grading run checks.
GRADING_ENVIRONMENT = ("AUTOGRADER_HIDDEN_SEED", "AUTOGRADER_DATA_DIR", "AUTOGRADER_ASSIGNMENT")


def _digest_files(digest, root, paths):
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def kit_files(task):
    """(root, [files]) pairs whose contents make the kit's version."""
    return [
        (KIT_ROOT, list((KIT_ROOT / "autograder").glob("*.py"))),
        (task.folder, task.grading_files()),        # what a grading imports; not grading/quality/
        (task.folder, [p for p in task.reference_package_dir.rglob("*.py") if "__pycache__" not in p.parts]),
        (task.folder, [task.rubric_path]),
    ]


def kit_version(task=None):
    """16 hex digits naming this kit's grading code and reference, as on disk now."""
    from . import assignment
    task = task or assignment.load()
    digest = hashlib.sha256(b"kit-version-1\0")
    for root, paths in kit_files(task):
        _digest_files(digest, root, paths)
    return digest.hexdigest()[:16]


def grading_options(select=None, isolation=None):
    """The options and environment a grading ran with (part of the batch's cache key)."""
    options = {"select": select or "", "isolation": isolation or ""}
    options.update({name: os.environ.get(name, "") for name in GRADING_ENVIRONMENT})
    return options


def prepared_digest(prepared, digest=None):
    """16 hex digits naming a prepared submission (its scratch copy's files and its notes)."""
    digest = digest or _submission_digest()
    root = Path(prepared.scratch_dir)
    _digest_files(digest, root, [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()])
    for note in prepared.notes:
        digest.update(b"note\0" + str(note).encode())
    return digest.hexdigest()[:16]


def _submission_digest():
    return hashlib.sha256(b"submission-1\0")


def submission_hash(path, task):
    """16 hex digits naming what the grader would grade in this submission.

    Builds the grader's scratch copy (reading only, nothing runs) and hashes it
    with the notes; an unreadable submission hashes its reason."""
    digest = _submission_digest()
    workdir = Path(tempfile.mkdtemp(prefix="autograder-hash-"))
    try:
        try:
            prepared = submissions.prepare(path, workdir, task)
        except submissions.SubmissionError as exc:
            digest.update(b"unreadable\0" + str(exc).encode())
            return digest.hexdigest()[:16]
        return prepared_digest(prepared, digest)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

"""Turns whatever was submitted into a clean scratch copy of the student package.

What an upload holds is decided by `uploads.locate` (shared with the copy
check, so both read the same files). Then the package's regular .py files
are copied, within size limits, and the provided (non-graded) modules are
replaced by the kit's own copies, so a broken or doctored solver, optimiser
or data loader can neither cost nor forge points.
"""
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from uploads.locate import (MAX_FILE_BYTES, MAX_ZIP_FILES, SYMLINK_REFUSED, SubmissionError,  # noqa: F401
                            accepted_uploads, is_read, locate, marker_file, not_found_reason, open_upload,
                            skipped_folder)
from uploads.release_stamp import submitted_release

SOLUTION_MARKER = "### BEGIN SOLUTION"
MAX_FILES = 200                 # .py files copied from the package
MAX_TOTAL_BYTES = 20 << 20


@dataclass
class Prepared:
    scratch_dir: Path                  # holds captioning/
    notes: list = field(default_factory=list)
    replaced: list = field(default_factory=list)
    release_version: str = ""          # the release its notebooks (or release.json) name; "" when unknown


def provided_modules(reference_package):
    """Relative paths of the package's provided modules: those without solution regions."""
    return sorted(str(p.relative_to(reference_package)) for p in reference_package.rglob("*.py")
                  if SOLUTION_MARKER not in p.read_text())


def _copy_package(package_dir, destination, notes, package):
    count, total = 0, 0
    for folder, dirnames, filenames in os.walk(package_dir):
        folder = Path(folder)
        for name in sorted(dirnames):
            if (folder / name).is_symlink():
                notes.append("ignored %s/%s: symbolic links are not accepted"
                             % (package, (folder / name).relative_to(package_dir)))
        dirnames[:] = sorted(d for d in dirnames if not skipped_folder(d) and not (folder / d).is_symlink())
        for name in sorted(filenames):
            path = folder / name
            relative = path.relative_to(package_dir)
            if path.is_symlink():
                notes.append("ignored %s/%s: symbolic links are not accepted" % (package, relative))
                continue
            if not is_read(relative.parts) or not path.is_file():
                continue
            size = path.stat().st_size
            count, total = count + 1, total + size
            if count > MAX_FILES or size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
                notes.append("ignored %s/%s: the package is over the size limits" % (package, relative))
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def graded_sources(prepared, assignment):
    """{graded file key: its text} of a prepared submission (read as text, never run here)."""
    sources = {}
    for key, relative in assignment.graded_files.items():
        try:
            sources[key] = (prepared.scratch_dir / assignment.package / relative).read_text(errors="replace")
        except OSError:
            continue
    return sources


def prepare(submission, workdir, assignment):
    """Build workdir/scratch/<package> from the submission (located by `locate`); returns Prepared.

    Raises SubmissionError, with a one-line reason, when there is nothing to grade."""
    package, reference_package = assignment.package, assignment.reference_package_dir
    workdir = Path(workdir)
    found, notes = open_upload(submission, workdir, assignment)
    if found is None:
        raise SubmissionError(not_found_reason(assignment, notes))
    scratch = workdir / "scratch"
    (scratch / package).mkdir(parents=True)
    _copy_package(found / package, scratch / package, notes, package)
    replaced = []
    for relative in provided_modules(reference_package):
        target = scratch / package / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reference_package / relative, target)
        replaced.append(relative)
    return Prepared(scratch, notes, replaced, submitted_release(found))

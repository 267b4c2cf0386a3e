"""Turns whatever was submitted into a clean scratch copy of the student package.

Accepted: a folder shaped like release/<assignment>, a .zip of it (with or
without a top folder), or nbgrader's submitted/<student>/<assignment>.
Only regular .py files of the package are copied; symlinks, entries escaping
the root and oversized archives are refused with a note, never followed.
Then the provided (non-graded) modules are replaced by the kit's own copies,
so a broken or doctored solver, optimiser or data loader can neither cost nor
forge points.
"""
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

SOLUTION_MARKER = "### BEGIN SOLUTION"
MAX_FILES = 200
MAX_FILE_BYTES = 2 << 20
MAX_TOTAL_BYTES = 20 << 20
MAX_ZIP_RATIO = 200


class SubmissionError(Exception):
    """The submission cannot be graded at all (the reports say why)."""


@dataclass
class Prepared:
    scratch_dir: Path                  # holds captioning/
    notes: list = field(default_factory=list)
    replaced: list = field(default_factory=list)


def provided_modules(reference_package):
    """Relative paths of the package's provided modules: those without solution regions."""
    return sorted(str(p.relative_to(reference_package)) for p in reference_package.rglob("*.py")
                  if SOLUTION_MARKER not in p.read_text())


def _unzip(zip_path, target, notes):
    """Extract only safe regular files; the limits stop zip bombs before they expand."""
    with zipfile.ZipFile(zip_path) as archive:
        infos = archive.infolist()
        if len(infos) > 5000:
            raise SubmissionError("the zip holds %d entries (limit 5000)" % len(infos))
        total = 0
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            mode = info.external_attr >> 16
            if name.is_absolute() or ".." in name.parts:
                notes.append("refused zip entry %r: it points outside the submission" % info.filename)
                continue
            if stat.S_ISLNK(mode):
                notes.append("refused zip entry %r: symbolic links are not accepted" % info.filename)
                continue
            if info.is_dir():
                continue
            if info.file_size > MAX_FILE_BYTES or (info.compress_size and
                                                   info.file_size / info.compress_size > MAX_ZIP_RATIO
                                                   and info.file_size > (1 << 20)):
                notes.append("refused zip entry %r: %d bytes uncompressed is too large"
                             % (info.filename, info.file_size))
                continue
            total += info.file_size
            if total > MAX_TOTAL_BYTES * 5:
                raise SubmissionError("the zip expands to more than %d MB" % (MAX_TOTAL_BYTES * 5 >> 20))
            destination = target.joinpath(*name.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(destination, "wb") as dst:
                # Copy at most the declared size: a lying header cannot expand further.
                dst.write(src.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES])


def find_package(root, package, marker_file):
    """The folder package/ holding marker_file (e.g. captioning/rnn_layers.py), searched a few levels deep."""
    root = Path(root)
    candidates = [root] + [p for p in root.glob("*") if p.is_dir() and not p.is_symlink()]
    candidates += [p for p in root.glob("*/*") if p.is_dir() and not p.is_symlink()]
    for folder in candidates:
        marker = folder / package / marker_file
        if marker.is_file() and not marker.is_symlink() and not (folder / package).is_symlink():
            return folder / package
    raise SubmissionError("no %s/%s found in the submission" % (package, marker_file))


def _copy_package(package_dir, destination, notes, package):
    count, total = 0, 0
    for path in sorted(package_dir.rglob("*")):
        relative = path.relative_to(package_dir)
        if "__pycache__" in relative.parts:
            continue
        if path.is_symlink():
            notes.append("ignored %s/%s: symbolic links are not accepted" % (package, relative))
            continue
        if not path.is_file() or path.suffix != ".py":
            continue
        size = path.stat().st_size
        count, total = count + 1, total + size
        if count > MAX_FILES or size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
            notes.append("ignored %s/%s: the package is over the size limits" % (package, relative))
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def marker_file(assignment):
    """The graded file whose presence marks the package (the first one)."""
    return next(iter(assignment.graded_files.values()))


def prepare(submission, workdir, assignment):
    """Build workdir/scratch/<package> from the submission; returns Prepared."""
    package, reference_package = assignment.package, assignment.reference_package_dir
    submission, workdir = Path(submission), Path(workdir)
    notes = []
    if not submission.exists():
        raise SubmissionError("%s does not exist" % submission)
    if submission.is_file():
        if not zipfile.is_zipfile(submission):
            raise SubmissionError("%s is neither a folder nor a zip file" % submission.name)
        unpacked = workdir / "unzipped"
        unpacked.mkdir(parents=True)
        try:
            _unzip(submission, unpacked, notes)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                NotImplementedError, zlib.error) as exc:
            raise SubmissionError("the zip file is damaged: %s" % exc) from None
        submission = unpacked
    scratch = workdir / "scratch"
    (scratch / package).mkdir(parents=True)
    _copy_package(find_package(submission, package, marker_file(assignment)), scratch / package, notes, package)
    replaced = []
    for relative in provided_modules(reference_package):
        target = scratch / package / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reference_package / relative, target)
        replaced.append(relative)
    return Prepared(scratch, notes, replaced)

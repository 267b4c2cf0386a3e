"""Turns whatever was submitted into a clean scratch copy of the student package.

One function, `locate`, decides what an upload holds, for `grade` (and so
grade-batch) and for Gradescope alike. Accepted, at any of these shapes:
- the assignment folder (release/<assignment>, or nbgrader's
  submitted/<student>/<assignment>), or its contents, with <package>/ inside;
- a .zip of either (with or without a top folder); zips found in a folder
  (at its top or one folder down) are unpacked too;
- just the graded files (e.g. rnn_layers.py and rnn.py), loose or zipped, at
  any depth: they are assembled into a package.

Only what the grader reads counts: the package's regular .py files. Entries
under datasets/, notebook checkpoints, caches, hidden folders, notebooks,
images and every other non-Python entry are skipped before any limit is
applied, so a student who zips the whole assignment folder (with its 5,000
dataset images) is graded like one who zips the two files. Symlinks and
entries escaping the root are refused with a note, never followed; limits on
the number and size of the files read stop zip bombs.

Then the provided (non-graded) modules are replaced by the kit's own copies,
so a broken or doctored solver, optimiser or data loader can neither cost nor
forge points.
"""
import os
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

SOLUTION_MARKER = "### BEGIN SOLUTION"
MAX_FILES = 200                 # .py files copied from the package
MAX_FILE_BYTES = 2 << 20
MAX_TOTAL_BYTES = 20 << 20
MAX_ZIP_RATIO = 200
MAX_ZIP_FILES = 5000            # .py entries of one zip outside the skipped folders
MAX_ZIP_LISTED = 200_000        # entries of any kind: past that, even listing the zip costs too much
MAX_UPLOADED_ZIPS = 5
MAX_REFUSED_NOTES = 10
MAX_SEARCH_DEPTH = 6            # folder levels searched for loose graded files
MAX_SEARCHED_FOLDERS = 2000

# Folders never read: the data get_datasets.py writes, Jupyter's checkpoints,
# caches, macOS archive metadata. Hidden folders (.git, .venv, ...) neither.
SKIPPED_FOLDERS = ("datasets", ".ipynb_checkpoints", "__pycache__", "__MACOSX")


class SubmissionError(Exception):
    """The submission cannot be graded at all; str() is a one-line reason."""


@dataclass
class Prepared:
    scratch_dir: Path                  # holds captioning/
    notes: list = field(default_factory=list)
    replaced: list = field(default_factory=list)


def skipped_folder(name):
    return name in SKIPPED_FOLDERS or name.startswith(".")


def is_read(parts):
    """Whether the grader reads a file at this relative path (a tuple of names)."""
    return (bool(parts) and parts[-1].endswith(".py") and not parts[-1].startswith("._")
            and not any(skipped_folder(part) for part in parts[:-1]))


def provided_modules(reference_package):
    """Relative paths of the package's provided modules: those without solution regions."""
    return sorted(str(p.relative_to(reference_package)) for p in reference_package.rglob("*.py")
                  if SOLUTION_MARKER not in p.read_text())


def _unzip(zip_path, target, notes):
    """Extract the entries the grader reads (safe regular .py files) and nothing else.

    Every other entry (datasets/, checkpoints, notebooks, images, ...) is skipped
    before the limits are applied; the limits stop zip bombs before they expand."""
    with zipfile.ZipFile(zip_path) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_LISTED:
            raise SubmissionError("the zip lists %d entries (limit %d)" % (len(infos), MAX_ZIP_LISTED))
        read, refused = [], []
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            mode = info.external_attr >> 16
            # Escaping entries and links are refused (and said) whatever they are.
            if name.is_absolute() or ".." in name.parts:
                refused.append("refused zip entry %r: it points outside the submission" % info.filename)
            elif stat.S_ISLNK(mode):
                refused.append("refused zip entry %r: symbolic links are not accepted" % info.filename)
            elif info.is_dir() or not is_read(name.parts):
                continue                              # never read: no limit applies
            elif info.file_size > MAX_FILE_BYTES or (info.compress_size and
                                                     info.file_size / info.compress_size > MAX_ZIP_RATIO
                                                     and info.file_size > (1 << 20)):
                refused.append("refused zip entry %r: %d bytes uncompressed is too large"
                               % (info.filename, info.file_size))
            else:
                read.append((name, info))
        notes.extend(refused[:MAX_REFUSED_NOTES])
        if len(refused) > MAX_REFUSED_NOTES:
            notes.append("... and %d more refused zip entries" % (len(refused) - MAX_REFUSED_NOTES))
        if len(read) > MAX_ZIP_FILES:
            raise SubmissionError("the zip holds %d Python files outside datasets/ and checkpoints (limit %d)"
                                  % (len(read), MAX_ZIP_FILES))
        total = 0
        for name, info in read:
            total += info.file_size
            if total > MAX_TOTAL_BYTES * 5:
                raise SubmissionError("its Python files expand to more than %d MB" % (MAX_TOTAL_BYTES * 5 >> 20))
            destination = target.joinpath(*name.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(destination, "wb") as dst:
                # Copy at most the declared size: a lying header cannot expand further.
                dst.write(src.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES])


def unzip(zip_path, target, notes):
    """_unzip with every way a zip can be broken turned into SubmissionError."""
    try:
        if not zipfile.is_zipfile(zip_path):
            raise zipfile.BadZipFile("not a zip file")
        _unzip(zip_path, target, notes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, zlib.error) as exc:
        raise SubmissionError("the zip file is damaged: %s" % exc) from None


def _subfolders(folder):
    try:
        return sorted(p for p in folder.iterdir()
                      if p.is_dir() and not p.is_symlink() and not skipped_folder(p.name))
    except OSError:
        return []


def find_package(root, package, marker_file):
    """The folder package/ holding marker_file (e.g. captioning/rnn_layers.py), searched two levels deep."""
    root = Path(root)
    level1 = _subfolders(root)
    candidates = [root] + level1 + [p for folder in level1 for p in _subfolders(folder)]
    for folder in candidates:
        marker = folder / package / marker_file
        if marker.is_file() and not marker.is_symlink() and not (folder / package).is_symlink():
            return folder / package
    raise SubmissionError("no %s/%s found in the submission" % (package, marker_file))


def marker_file(assignment):
    """The graded file whose presence marks the package (the first one)."""
    return next(iter(assignment.graded_files.values()))


def accepted_uploads(assignment):
    """What `locate` accepts, in the student's words (Markdown)."""
    files = [path.rsplit("/", 1)[-1] for path in assignment.graded_files.values()]
    folders = ["`%s`" % path for path in assignment.graded_files.values()]
    return """Accepted uploads (any one of):
- the assignment folder `%(a)s` (with `%(p)s/` inside), or a zip of it;
- the contents of that folder (`%(p)s/`, the notebooks, ...), or a zip of them;
- just the graded files %(files)s (%(folders)s in the package), loose or in a zip.
  `python selfcheck.py --zip` in the assignment folder writes such a zip. Every other
  module of `%(p)s`, the notebooks' checkpoints and `datasets/` are never read.""" % {
        "a": assignment.id, "p": assignment.package, "folders": ", ".join(folders),
        "files": " and ".join("`%s`" % f for f in files)}


def _unzip_found(folder, staging, notes):
    """Unpack the zips at the top of folder or one level down: [(unpacked folder, zip name)]."""
    roots = []
    zips = [p for p in sorted(folder.glob("*.zip")) + [z for sub in _subfolders(folder) for z in sorted(sub.glob("*.zip"))]
            if p.is_file() and not p.is_symlink()]
    for number, archive in enumerate(zips[:MAX_UPLOADED_ZIPS]):
        target = staging / ("unzipped-%d" % number)
        target.mkdir(parents=True)
        try:
            unzip(archive, target, notes)
            roots.append((target, archive.name))
        except SubmissionError as exc:                # a damaged zip is a note, never a crash
            notes.append("`%s` could not be unpacked: %s" % (archive.name, str(exc).replace("the zip file is ", "")))
    return roots


def _where(path, roots):
    """How the student knows this file: its path in the upload or in their zip."""
    for root, label in roots:
        if path.is_relative_to(root):
            return "`%s` in %s" % (path.relative_to(root).as_posix() or ".",
                                   "`%s`" % label if label else "your upload")
    return "`%s`" % path.name


def _files_named(root, name):
    """Regular files called name under root, skipping the folders never read; bounded search."""
    found, searched = [], 0
    for folder, dirnames, filenames in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        dirnames[:] = sorted(d for d in dirnames if not skipped_folder(d) and depth < MAX_SEARCH_DEPTH
                             and not os.path.islink(os.path.join(folder, d)))
        searched += 1
        if searched > MAX_SEARCHED_FOLDERS:
            break
        path = Path(folder) / name
        if name in filenames and not name.startswith("._") and path.is_file() and not path.is_symlink():
            found.append(path)
    return found


def _loose(roots, name, prefer_parent=None):
    """The shallowest regular file called name, preferring one whose folder is prefer_parent."""
    found = []
    for root, _ in roots:
        for path in _files_named(root, name):
            relative = path.relative_to(root)
            found.append((path.parent.name != prefer_parent, len(relative.parts), str(relative), path))
    return min(found)[3] if found else None


def locate(upload, staging, assignment, label=""):
    """What to grade in an upload: (the folder holding <package>/, or None; notes for the student).

    upload is a folder (label: what the student calls it, e.g. their zip's name).
    A package found up to two levels down (in the folder, or in a zip at its top
    or one folder down) is graded as it is; otherwise the graded files found
    anywhere are assembled into staging/assembled/<package> (the rest of the
    package is the kit's in any case). None when not even the first graded
    file is there."""
    upload, staging = Path(upload), Path(staging)
    notes = []
    roots = [(upload, label)] + _unzip_found(upload, staging, notes)
    for root, _ in roots:
        try:
            package = find_package(root, assignment.package, marker_file(assignment))
        except SubmissionError:
            continue
        notes.append("graded the package %s" % _where(package, roots))
        return package.parent, notes
    package = staging / "assembled" / assignment.package
    for number, relative in enumerate(assignment.graded_files.values()):
        parent, _, name = relative.rpartition("/")
        found = _loose(roots, name, prefer_parent=parent.rsplit("/", 1)[-1] or None)
        if found is None:
            if number == 0:
                return None, notes + ["%s %s" % (_where(link, roots), SYMLINK_REFUSED)
                                      for link in _symlinks_named(roots, {name, assignment.package})]
            notes.append("no %s in your upload: the parts that need it cannot pass" % name)
            continue
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, package / relative)
        notes.append("graded %s: %s" % (relative, _where(found, roots)))
    return package.parent, notes


SYMLINK_REFUSED = "is a symbolic link, and symbolic links are not accepted: submit the file itself"


def _symlinks_named(roots, names):
    """Symbolic links called one of names under roots (the folders never read skipped; bounded)."""
    found = []
    for root, _ in roots:
        for folder, dirnames, filenames in os.walk(root):
            folder = Path(folder)
            found += [folder / name for name in sorted(set(dirnames + filenames) & names)
                      if (folder / name).is_symlink()]
            dirnames[:] = sorted(d for d in dirnames if not skipped_folder(d) and not (folder / d).is_symlink()
                                 and len((folder / d).relative_to(root).parts) < MAX_SEARCH_DEPTH)
            if len(found) > 10:
                return found
    return found


def not_found_reason(assignment, notes=()):
    """The one-line reason when locate finds nothing (notes: locate's, which name a graded
    file or the package found only as a symbolic link)."""
    files = [path.rsplit("/", 1)[-1] for path in assignment.graded_files.values()]
    links = [note for note in notes if note.endswith(SYMLINK_REFUSED)]
    if links:
        return links[0]
    return ("no %s/%s found in the submission (nor a loose %s): submit the assignment folder, "
            "a zip of it, or the graded files %s" % (assignment.package, marker_file(assignment), files[0],
                                                     " and ".join(files)))


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
    submission, workdir = Path(submission), Path(workdir)
    notes = []
    if not submission.exists():
        raise SubmissionError("%s does not exist" % submission)
    label = ""
    if submission.is_file():
        if not zipfile.is_zipfile(submission):
            raise SubmissionError("%s is neither a folder nor a zip file" % submission.name)
        unpacked = workdir / "unzipped"
        unpacked.mkdir(parents=True)
        unzip(submission, unpacked, notes)
        submission, label = unpacked, submission.name
    found, located = locate(submission, workdir / "located", assignment, label)
    notes += located
    if found is None:
        raise SubmissionError(not_found_reason(assignment, located))
    scratch = workdir / "scratch"
    (scratch / package).mkdir(parents=True)
    _copy_package(found / package, scratch / package, notes, package)
    replaced = []
    for relative in provided_modules(reference_package):
        target = scratch / package / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reference_package / relative, target)
        replaced.append(relative)
    return Prepared(scratch, notes, replaced)

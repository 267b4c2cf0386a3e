"""What a student's upload holds: the one locator the grader and the copy check share.

`locate` decides, for `grade` (and so grade-batch), Gradescope and the
similarity check alike, which files of an upload are the graded ones.
Accepted, at any of these shapes:
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
dataset images) is read like one who zips the two files. Symlinks and
entries escaping the root are refused with a note, never followed; limits on
the number and size of the files read stop zip bombs.

`layout` is anything with the assignment's `id`, `package` and
`graded_files` ({key: path inside the package}), e.g. autograder's Assignment
or a `uploads.layout.Layout`.
"""
import os
import shutil
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .wording import counted

MAX_FILE_BYTES = 2 << 20
MAX_EXPANDED_BYTES = 100 << 20  # all Python files of one zip, uncompressed
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


def skipped_folder(name):
    return name in SKIPPED_FOLDERS or name.startswith(".")


def is_read(parts):
    """Whether the grader reads a file at this relative path (a tuple of names)."""
    return (bool(parts) and parts[-1].endswith(".py") and not parts[-1].startswith("._")
            and not any(skipped_folder(part) for part in parts[:-1]))


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
            notes.append("... and %s" % counted(len(refused) - MAX_REFUSED_NOTES, "more refused zip entry",
                                                    "more refused zip entries"))
        if len(read) > MAX_ZIP_FILES:
            raise SubmissionError("the zip holds %d Python files outside datasets/ and checkpoints (limit %d)"
                                  % (len(read), MAX_ZIP_FILES))
        total = 0
        for name, info in read:
            total += info.file_size
            if total > MAX_EXPANDED_BYTES:
                raise SubmissionError("its Python files expand to more than %d MB" % (MAX_EXPANDED_BYTES >> 20))
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


def _origin(path, roots):
    """Where a file sits in the upload, as a path: a nested zip's name is a folder of it."""
    for number, (root, label) in enumerate(roots):
        if path.is_relative_to(root):
            inside = path.relative_to(root).as_posix()
            return "%s/%s" % (label, inside) if number and label else inside
    return path.name


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


def locate(upload, staging, assignment, label="", origins=None):
    """What to grade in an upload: (the folder holding <package>/, or None; notes for the student).

    upload is a folder (label: what the student calls it, e.g. their zip's name).
    A package found up to two levels down (in the folder, or in a zip at its top
    or one folder down) is graded as it is; otherwise the graded files found
    anywhere are assembled into staging/assembled/<package> (the rest of the
    package is the kit's in any case). None when not even the first graded
    file is there. origins, a dict, receives {graded file key: where it sits in the upload}."""
    upload, staging = Path(upload), Path(staging)
    notes, origins = [], {} if origins is None else origins
    roots = [(upload, label)] + _unzip_found(upload, staging, notes)
    for root, _ in roots:
        try:
            package = find_package(root, assignment.package, marker_file(assignment))
        except SubmissionError:
            continue
        notes.append("graded the package %s" % _where(package, roots))
        origins.update({key: _origin(package / relative, roots) for key, relative in assignment.graded_files.items()})
        return package.parent, notes
    package = staging / "assembled" / assignment.package
    for number, (key, relative) in enumerate(assignment.graded_files.items()):
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
        origins[key] = _origin(found, roots)
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


def open_upload(upload, workdir, layout, origins=None):
    """(the folder holding <package>/, or None; notes) for an upload that is a folder or a zip.

    A zip is unpacked (its read entries only) into workdir/unzipped first. Raises
    SubmissionError, one line, when the upload is missing or neither a folder nor a zip."""
    upload, workdir = Path(upload), Path(workdir)
    if not upload.exists():
        raise SubmissionError("%s does not exist" % upload)
    notes, label = [], ""
    if upload.is_file():
        if upload.suffix.lower() != ".zip" and not zipfile.is_zipfile(upload):
            raise SubmissionError("%s is neither a folder nor a zip file" % upload.name)
        unpacked = workdir / "unzipped"
        unpacked.mkdir(parents=True)
        unzip(upload, unpacked, notes)
        upload, label = unpacked, upload.name
    found, located = locate(upload, workdir / "located", layout, label, origins)
    return found, notes + located

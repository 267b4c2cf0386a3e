"""Find the two graded files of every submission, without running anything.

A batch folder holds one submission per student: a sub-folder or a .zip,
the entries `grade-batch` takes (uploads.batch_folder); other files are
listed and skipped. Inside one, the graded files are the ones the grader
grades: they are found by the grader's own locator (uploads.locate), so a
whole-folder zip with its datasets/ and checkpoints, a zip inside nbgrader's
submitted/<student>/, or loose files are read exactly as graded. Only the
Python entries of a zip are unpacked, into a temporary folder.

Known solutions (--reference) come from elsewhere and may hold several
solutions or use other package names (the assignment's
grading/similarity.json lists them); they are
read from the folder or zip in memory, with the same refusals (entries
escaping the root, symbolic links, oversized entries). Files are read up to
a size limit and decoded as UTF-8 (else Latin-1, with a note).
"""
import os
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from uploads import batch_folder
from uploads.locate import SubmissionError, not_found_reason, open_upload

from .subject import current

MAX_FILE_BYTES = 2 << 20          # as the grader: a graded file over 2 MB is not read
MAX_ENTRIES = 5000                # files looked at per submission (folder walk or zip)
MAX_DEPTH = 8
MAX_NESTED_ZIPS = 5
SKIPPED_DIRS = {"__pycache__", "__MACOSX", ".ipynb_checkpoints", ".git", "node_modules", "datasets"}
DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
           NotImplementedError, zlib.error, RuntimeError, KeyError)


@dataclass
class SourceFile:
    role: str
    where: str = ""               # path inside the submission, for the report
    text: str = None              # None when it could not be read
    size: int = 0
    problem: str = None           # why the text is missing or suspect


@dataclass
class Submission:
    name: str
    path: Path
    reference: bool = False
    files: dict = field(default_factory=dict)     # role -> SourceFile
    notes: list = field(default_factory=list)     # problems of the submission as a whole


@dataclass
class _Entry:
    path: PurePosixPath           # inside the submission (a nested zip's name is a folder)
    size: int
    read: object                  # callable(limit) -> bytes


# --------------------------------------------------------------- listings
def _skip(parts):
    return any(p.startswith(".") or p in SKIPPED_DIRS for p in parts)


def _folder_entries(root, notes):
    entries, seen = [], 0
    root = Path(root)
    for folder, dirs, files in os.walk(root, followlinks=False):
        relative = Path(folder).relative_to(root)
        depth = len(relative.parts)
        dirs[:] = sorted(d for d in dirs if not _skip([d]) and depth < MAX_DEPTH
                         and not os.path.islink(os.path.join(folder, d)))
        for name in sorted(files):
            seen += 1
            if seen > MAX_ENTRIES:
                notes.append("more than %d files: the rest were not looked at" % MAX_ENTRIES)
                return entries
            if _skip([name]) or not (name in current().roles or name.endswith(".zip")):
                continue
            full = os.path.join(folder, name)
            try:
                info = os.lstat(full)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue                                   # symbolic links are never followed
            entries.append(_Entry(PurePosixPath(*relative.parts, name), info.st_size, _file_reader(full)))
    return entries


def _file_reader(path):
    def read(limit):
        with open(path, "rb") as f:
            return f.read(limit)
    return read


def _zip_entries(source, label, notes, prefix=PurePosixPath()):
    """Entries of a zip (a path or bytes); a damaged zip adds a note and gives none."""
    import io
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        infos = archive.infolist()
    except DAMAGED as exc:
        notes.append("%s is not a readable zip (%s)" % (label, _brief(exc)))
        return []
    if len(infos) > MAX_ENTRIES:
        notes.append("%s holds %d entries (limit %d): not read" % (label, len(infos), MAX_ENTRIES))
        return []
    entries = []
    for info in infos:
        name = PurePosixPath(info.filename.replace("\\", "/"))
        if name.is_absolute() or ".." in name.parts:
            notes.append("refused zip entry %r: it points outside the submission" % info.filename)
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            notes.append("refused zip entry %r: symbolic links are not accepted" % info.filename)
            continue
        if info.is_dir() or _skip(name.parts) or not (name.name in current().roles or name.suffix == ".zip"):
            continue
        entries.append(_Entry(prefix / name, info.file_size, _zip_reader(archive, info, label)))
    return entries


def _zip_reader(archive, info, label):
    def read(limit):
        with archive.open(info) as member:
            return member.read(limit)          # never more than asked: a lying header cannot expand
    return read


def _brief(exc):
    text = str(exc) or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."


def list_entries(path, notes):
    """Entries of a submission (folder or zip), nested zips (top or one level down) included."""
    path = Path(path)
    if path.is_dir():
        entries = _folder_entries(path, notes)
    else:
        entries = _zip_entries(str(path), path.name, notes)
    nested = [e for e in entries if e.path.suffix == ".zip" and len(e.path.parts) <= 2]
    entries = [e for e in entries if e.path.suffix != ".zip"]
    for entry in nested[:MAX_NESTED_ZIPS]:
        if entry.size > MAX_FILE_BYTES * 10:
            notes.append("%s is %s: not opened" % (entry.path, _size(entry.size)))
            continue
        try:
            data = entry.read(MAX_FILE_BYTES * 10)
        except DAMAGED as exc:
            notes.append("%s could not be read (%s)" % (entry.path, _brief(exc)))
            continue
        entries += _zip_entries(data, str(entry.path), notes, prefix=entry.path)
    return entries


# The locator's notes that say something went wrong (the rest say what was found).
PROBLEM_NOTES = ("refused", "ignored", "no ", "`")


# ---------------------------------------------------------------- choice
def _in_package(path):
    return len(path.parts) >= 2 and path.parts[-2] in current().packages


def choose_files(entries):
    """{role: entry or None}: the first graded file in a package folder first, then the
    shallowest; every other one where the layout puts it beside that one, else where
    its path inside the package matches, else the shallowest."""
    subject = current()
    first, others = subject.roles[0], subject.roles[1:]
    candidates = [e for e in entries if e.path.name == first]
    anchor = min(candidates, key=lambda e: (not _in_package(e.path), len(e.path.parts), str(e.path)),
                 default=None)
    chosen = {first: anchor}
    # the package folder the chosen first file sits in, by the layout
    depth = len(PurePosixPath(subject.path_in_package(first)).parts)
    package = anchor.path.parents[depth - 1] if anchor is not None and len(anchor.path.parts) > depth else None
    for role in others:
        inside = PurePosixPath(subject.path_in_package(role))
        beside = package / inside if package is not None else None
        candidates = [e for e in entries if e.path.name == role]
        chosen[role] = min(candidates, key=lambda e: (e.path != beside, e.path.parts[-len(inside.parts):] != inside.parts,
                                                      len(e.path.parts), str(e.path)), default=None)
    return chosen


def read_source(entry, role):
    """SourceFile for one entry (or a missing-file one)."""
    if entry is None:
        return SourceFile(role, problem="missing")
    source = SourceFile(role, where=str(entry.path), size=entry.size)
    if entry.size > MAX_FILE_BYTES:
        source.problem = "too large: %s (limit %s); not read" % (_size(entry.size), _size(MAX_FILE_BYTES))
        return source
    try:
        data = entry.read(MAX_FILE_BYTES + 1)
    except DAMAGED as exc:
        source.problem = "could not be read (%s)" % _brief(exc)
        return source
    if len(data) > MAX_FILE_BYTES:        # the size in the listing was wrong
        source.problem = "too large: over %s; not read" % _size(MAX_FILE_BYTES)
        return source
    source.size = len(data)
    if not data.strip():
        source.problem = "empty"
        return source
    if b"\x00" in data:
        source.problem = "binary data, not Python source; not read"
        return source
    try:
        source.text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        source.text = data.decode("latin-1")
        source.problem = "not UTF-8 (byte 0x%02x at offset %d): read as Latin-1" % (data[exc.start], exc.start)
    return source


def _size(n):
    return "%.1f MB" % (n / (1 << 20)) if n >= (1 << 20) else "%d bytes" % n


def read_submission(path, name=None, reference=False):
    """Submission with both graded files read (or the reasons they are not).

    A batch submission is read through the grader's locator; a known solution
    (reference=True) by the listing below, which also takes other package names."""
    path = Path(path)
    submission = Submission(name or (path.stem if path.suffix == ".zip" else path.name), path, reference)
    if not reference:
        return _read_located(submission)
    entries = list_entries(path, submission.notes)
    submission.files = {role: read_source(entry, role) for role, entry in choose_files(entries).items()}
    return submission


def _read_located(submission):
    """submission.files from the package the grader would grade in submission.path."""
    origins = {}
    with tempfile.TemporaryDirectory(prefix="similarity-") as workdir:
        try:
            layout = current().located_layout
            found, notes = open_upload(submission.path, workdir, layout, origins)
            submission.notes += [note for note in notes if note.startswith(PROBLEM_NOTES)]
            reason = not_found_reason(layout, notes)
            if found is None and reason not in submission.notes:
                submission.notes.append(reason)
        except SubmissionError as exc:
            found = None
            submission.notes.append(str(exc))
        for role, relative in current().located_layout.graded_files.items():
            file = found / current().layout.package / relative if found is not None else None
            entry = None
            if file is not None and file.is_file():
                entry = _Entry(PurePosixPath(origins.get(role, relative)), file.stat().st_size, _file_reader(file))
            submission.files[role] = read_source(entry, role)
    return submission


# -------------------------------------------------------------- batches
def find_submissions(folder, exclude=()):
    """({name: path}, [(entry, why skipped)]) of a batch folder, as grade-batch finds them."""
    return batch_folder.find_submissions(folder, exclude)


def find_references(folder):
    """Known solutions: one per first graded file (e.g. rnn_layers.py) found under
    folder (and in its zips), named by where it sits. {name: Submission}."""
    folder = Path(folder)
    roles = current().roles
    references = {}
    children = [p for p in sorted(folder.iterdir()) if not p.name.startswith(".") and not p.is_symlink()
                and (p.is_dir() or p.suffix.lower() == ".zip")]
    loose = [p for p in sorted(folder.iterdir()) if p.name in roles and p.is_file()]
    if loose:
        references[folder.name] = read_submission(folder, folder.name, reference=True)
        # the graded files' own sub-folders (e.g. classifiers/) belong to that loose solution
        inner = {PurePosixPath(current().path_in_package(role)).parts[0] for role in roles}
        children = [p for p in children if p.name not in current().packages and p.name not in inner]
    for child in children:
        notes = []
        entries = list_entries(child, notes)
        firsts = [e for e in entries if e.path.name == roles[0]]
        base = child.stem if child.suffix.lower() == ".zip" else child.name
        if len(firsts) <= 1:
            references[base] = read_submission(child, base, reference=True)
            continue
        for first in sorted(firsts, key=lambda e: str(e.path)):
            parent = first.path.parent
            if parent.name in current().packages:
                parent = parent.parent
            name = "%s/%s" % (base, parent) if str(parent) != "." else base
            ref = Submission(name, child, True, notes=list(notes))
            near = [e for e in entries if e.path.is_relative_to(first.path.parent)] or entries
            chosen = choose_files([first] + [e for e in near if e.path.name != roles[0]])
            ref.files = {role: read_source(entry, role) for role, entry in chosen.items()}
            references[name] = ref
    return references


__all__ = ["Submission", "SourceFile", "find_submissions", "find_references", "read_submission"]

"""Download the real CS231n preprocessed COCO captioning data, safely.

1. The archive is downloaded to `<name>.part` with a progress bar. If that
   file is already there from an interrupted run, the download continues
   where it stopped (an HTTP Range request) instead of starting over.
2. Only a complete download is renamed to `<name>`.
3. The archive is tested (zip structure and every file's CRC), unpacked into
   a staging folder beside the destination, and the unpacked files are
   checked (names, array names and shapes, vocabulary).
4. Only then is the staging folder swapped into place. Any failure leaves the
   previous dataset, or none, never a half-written one.
"""
import os
import shutil
import urllib.error
import urllib.request
import zipfile
import zlib
from http.client import HTTPException

from tqdm import tqdm

from . import layout

COCO_URL = "http://cs231n.stanford.edu/coco_captioning.zip"
ARCHIVE_NAME = "coco_captioning.zip"
CHUNK_BYTES = 1 << 20


class DownloadError(Exception):
    """The archive could not be downloaded completely (the partial file is kept)."""


def fetch_coco(destination, url=COCO_URL, downloads_dir=None, show_progress=True, timeout=60):
    """Download, check and install the COCO captioning data into `destination`."""
    if downloads_dir is None:
        downloads_dir = os.path.join(os.path.dirname(os.path.abspath(destination)), "downloads")
    archive = download(url, os.path.join(downloads_dir, ARCHIVE_NAME), show_progress, timeout)
    try:
        install_archive(archive, destination)
    finally:
        # Installed, it is 1 GB no longer needed; refused, the next run should
        # fetch a fresh copy rather than reuse a bad one.
        if os.path.exists(archive):
            os.remove(archive)
    return destination


# ------------------------------------------------------------- downloading

def download(url, path, show_progress=True, timeout=60):
    """Download `url` to `path`, resuming `path + '.part'` if present; returns `path`."""
    if os.path.isfile(path):
        return path
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    partial = path + ".part"
    offset = os.path.getsize(partial) if os.path.isfile(partial) else 0
    request = urllib.request.Request(url)
    if offset:
        request.add_header("Range", "bytes=%d-" % offset)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            offset, total = _resume_point(response, offset)
            _save_body(response, partial, offset, total, show_progress)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:
            return _finish_after_416(error, partial, path, offset)
        raise DownloadError("the server answered %s %s for %s" % (error.code, error.reason, url)) from error
    except (urllib.error.URLError, OSError, HTTPException) as error:
        raise DownloadError(_interrupted_message(url, partial, error)) from error
    os.replace(partial, path)
    return path


def _resume_point(response, offset):
    """(first byte the body holds, total size or None) for a response to a possibly ranged request."""
    length = response.headers.get("Content-Length")
    length = int(length) if length is not None else None
    if response.status == 206:
        content_range = response.headers.get("Content-Range", "")   # "bytes START-END/TOTAL"
        try:
            start = int(content_range.split()[1].split("-")[0])
            total = content_range.rsplit("/", 1)[1]
        except (IndexError, ValueError):
            raise DownloadError("the server sent a malformed Content-Range: %r" % content_range)
        if start != offset:
            raise DownloadError("the server resumed at byte %d, not %d" % (start, offset))
        return offset, int(total) if total != "*" else None
    # A 200 answer is the whole file: the server ignored the range, start over.
    return 0, length


def _save_body(response, partial, offset, total, show_progress):
    """Append (or, from offset 0, write) the response body to `partial`."""
    with open(partial, "ab" if offset else "wb") as out, tqdm(
            total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
            desc=os.path.basename(partial)[:-len(".part")], disable=not show_progress) as bar:
        received = offset
        while True:
            chunk = response.read(CHUNK_BYTES)
            if not chunk:
                break
            out.write(chunk)
            received += len(chunk)
            bar.update(len(chunk))
    if total is not None and received < total:
        raise DownloadError("the connection closed after %d of %d bytes; %s"
                            % (received, total, _resume_hint(partial)))


def _finish_after_416(error, partial, path, offset):
    """416 means the range starts at or past the end: the part file may already be whole."""
    total = error.headers.get("Content-Range", "").rsplit("/", 1)[-1]
    if total.isdigit() and int(total) == offset:
        os.replace(partial, path)
        return path
    os.remove(partial)   # longer than the file on the server: it cannot be resumed
    raise DownloadError("the partial download did not match the server's file and was deleted; "
                        "run the same command again to download afresh")


def _interrupted_message(url, partial, error):
    return "downloading %s failed (%s); %s" % (url, error, _resume_hint(partial))


def _resume_hint(partial):
    if os.path.isfile(partial) and os.path.getsize(partial):
        return ("kept %d bytes in %s: run the same command again to resume"
                % (os.path.getsize(partial), partial))
    return "run the same command again to retry"


# -------------------------------------------------------------- installing

def install_archive(archive, destination):
    """Unpack a downloaded archive, check it, and swap it into `destination`.

    A corrupt archive or a wrong dataset raises layout.DatasetError and leaves
    `destination` as it was.
    """
    staging = layout.make_staging_dir(destination)
    try:
        _unpack(archive, staging)
        root = _dataset_root(staging)
        try:
            layout.check_dataset(root)
        except layout.DatasetError as error:
            raise layout.DatasetError("%s does not hold a valid captioning dataset: %s"
                                      % (archive, error)) from error
        layout.swap_into_place(root, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _unpack(archive, folder):
    """Test every member's CRC, then extract; a bad archive is reported as DatasetError."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            broken = bundle.testzip()
            if broken is not None:
                raise zipfile.BadZipFile("bad CRC in %s" % broken)
            for name in bundle.namelist():
                _refuse_unsafe_name(name)
            bundle.extractall(folder)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as error:
        raise layout.DatasetError(
            "%s is corrupt or incomplete (%s). Nothing was installed and the archive is deleted; "
            "run the same command again to download it afresh." % (archive, error)) from error


def _refuse_unsafe_name(name):
    """Members must stay inside the extraction folder."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise ValueError("unsafe member name %r" % name)


def _dataset_root(folder):
    """The unpacked dataset: the folder itself, or the one subfolder the archive put everything in."""
    entries = os.listdir(folder)
    if len(entries) == 1 and os.path.isdir(os.path.join(folder, entries[0])):
        return os.path.join(folder, entries[0])   # the course's archive: coco_captioning/...
    return folder

"""The release's version, stamped where a student's folder carries it.

rubric.json's "version" is the one definition. The build writes it
- into every release notebook's metadata (`assignment_release`: the
  assignment and the version), so a submission's notebooks say which release
  they came from, whatever else is submitted;
- into release.json at the release's top: the version and the sha256 of every
  file of the release as handed out, with the files students edit listed
  apart. An instructor publishes the release.json of a newer release;
  `selfcheck.py` reads a copy saved as latest_release.json (in the folder or
  beside it, no network) and tells a student which files changed since their
  own release. `captioning-build --patch` compares two of them.
"""
import hashlib
import json
from pathlib import Path

import nbformat

from uploads.release_stamp import MANIFEST, NOTEBOOK_KEY


def students_edit(task):
    """The release's files a student edits (their work): the graded files and the notebooks."""
    return sorted(task.graded_paths + ["%s.ipynb" % name for name in task.notebooks])


def stamp_notebooks(release, task):
    for name in task.notebooks:
        path = Path(release) / ("%s.ipynb" % name)
        notebook = nbformat.read(path, as_version=4)
        notebook.metadata[NOTEBOOK_KEY] = {"assignment": task.id, "version": task.release_version}
        nbformat.write(notebook, path)


def file_digests(folder):
    """{relative path: sha256} of every file under folder but the manifest (caches skipped)."""
    folder = Path(folder)
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name != MANIFEST and "__pycache__" not in path.parts}


def write_manifest(release, task):
    manifest = {"assignment": task.id, "version": task.release_version, "students_edit": students_edit(task),
                "files": file_digests(release)}
    (Path(release) / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def stamp_release(release, task):
    """The version into the release's notebooks, then release.json (its digests include them)."""
    stamp_notebooks(release, task)
    return write_manifest(release, task)


def read_manifest(path):
    """A release.json, read; ValueError with a one-line reason when it is not one."""
    try:
        manifest = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError("%s cannot be read as a release manifest: %s" % (path, exc)) from None
    if not isinstance(manifest, dict) or not {"assignment", "version", "files"} <= set(manifest):
        raise ValueError("%s is not a release manifest (no assignment, version and files)" % path)
    return manifest

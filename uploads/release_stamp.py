"""Which release of the assignment a submission comes from, as its files say.

The build stamps rubric.json's "version" into every release notebook's
metadata (NOTEBOOK_KEY) and into release.json (MANIFEST) at the release's
top (build_assignment/manifest.py writes both); the grader reads them back
here, never running anything, to tell a student whose files come from an
older release.
"""
import json
from pathlib import Path

MANIFEST = "release.json"
NOTEBOOK_KEY = "assignment_release"
MAX_READ_BYTES = 20 << 20        # a notebook larger than this is not opened for its version


def _read(path):
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_READ_BYTES:
        return None
    try:
        return json.loads(path.read_text(errors="replace"))
    except ValueError:
        return None


def submitted_release(folder):
    """The release version the notebooks (else the release.json) in folder name, or ""."""
    folder = Path(folder)
    for path in sorted(folder.glob("*.ipynb")):
        data = _read(path)
        stamp = data.get("metadata", {}).get(NOTEBOOK_KEY) if isinstance(data, dict) else None
        if isinstance(stamp, dict) and isinstance(stamp.get("version"), str):
            return stamp["version"]
    data = _read(folder / MANIFEST)
    if isinstance(data, dict) and isinstance(data.get("version"), str):
        return data["version"]
    return ""

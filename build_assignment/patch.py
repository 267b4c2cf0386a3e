"""A patch for students from one release to the next: `captioning-build --patch OLD NEW`.

OLD and NEW are two release folders as the build wrote them (each with its
release.json). The patch is one Python file (patch_apply.py with the content
filled in) that a student runs in their folder: it replaces the files of the
release they do not edit and, in the notebooks, the locked cells (by cell id);
the graded files and the answer cells are never written. A graded file whose
released stub changed is named, not changed.
"""
import base64
import hashlib
import json
from pathlib import Path

from uploads.release_stamp import MANIFEST

from .manifest import read_manifest
from .patch_apply import file_digest, locked_cell

APPLY_SCRIPT = Path(__file__).with_name("patch_apply.py")


def notebook_change(old_path, new_path):
    """{"replaced": {id: cell}, "removed": [id], "added": [(id before it, cell)], "metadata": {...}}
    for the locked cells of a notebook from OLD to NEW."""
    old = json.loads(Path(old_path).read_text())
    new = json.loads(Path(new_path).read_text())
    old_cells = {cell.get("id"): cell for cell in old["cells"]}
    new_ids = [cell.get("id") for cell in new["cells"]]
    if None in new_ids or None in old_cells:
        raise ValueError("%s or %s has cells without ids (nbformat 4.5): the patch matches cells by id"
                         % (old_path, new_path))
    change = {"replaced": {}, "removed": [], "added": [], "metadata": {}}
    for index, cell in enumerate(new["cells"]):
        before = old_cells.get(cell["id"])
        if before is None:
            change["added"].append((new_ids[index - 1] if index else None, cell))
        elif locked_cell(cell) and before != cell:
            change["replaced"][cell["id"]] = cell
    change["removed"] = [cell_id for cell_id, cell in old_cells.items() if cell_id not in new_ids and locked_cell(cell)]
    for key, value in new.get("metadata", {}).items():
        if old.get("metadata", {}).get(key) != value:
            change["metadata"][key] = value
    return change


def patch_payload(old_release, new_release):
    """What the patch carries from release OLD to NEW (see patch_apply.apply)."""
    old_release, new_release = Path(old_release), Path(new_release)
    old, new = read_manifest(old_release / MANIFEST), read_manifest(new_release / MANIFEST)
    if old["assignment"] != new["assignment"]:
        raise ValueError("%s and %s are releases of different assignments" % (old_release, new_release))
    if old["version"] == new["version"]:
        raise ValueError("both releases are version %s: give the new release a new version in rubric.json"
                         % old["version"])
    yours = set(new.get("students_edit", []))
    payload = {"assignment": new["assignment"], "from": old["version"], "to": new["version"], "files": {},
               "notebooks": {}, "not_applied": [], "old_digests": {}, "why": "compare it with the new release"}
    for relative in sorted(set(old["files"]) | set(new["files"]) | {MANIFEST}):
        if relative != MANIFEST and old["files"].get(relative) == new["files"].get(relative):
            continue
        if relative in yours:
            if relative.endswith(".ipynb") and relative in new["files"] and relative in old["files"]:
                payload["notebooks"][relative] = notebook_change(old_release / relative, new_release / relative)
            else:
                payload["not_applied"].append(relative)
            continue
        payload["old_digests"][relative] = old["files"].get(relative) or file_digest(old_release / relative)
        if relative in new["files"] or relative == MANIFEST:
            data = (new_release / relative).read_bytes()
            payload["files"][relative] = {"digest": hashlib.sha256(data).hexdigest(),
                                          "content": base64.b64encode(data).decode()}
        else:
            payload["files"][relative] = None
    return payload


def write_patch(old_release, new_release, out_dir):
    """Write <assignment>_patch_<old>_to_<new>.py into out_dir; returns (its path, the payload)."""
    payload = patch_payload(old_release, new_release)
    script = APPLY_SCRIPT.read_text().replace("PAYLOAD = None ", "PAYLOAD = json.loads(%r) " % json.dumps(payload), 1)
    path = Path(out_dir) / ("%s_patch_%s_to_%s.py" % (payload["assignment"], payload["from"], payload["to"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script)
    return path, payload

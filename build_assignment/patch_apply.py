"""Update an assignment folder to a newer release without touching your work.

Run it inside your assignment folder (the one with rubric.json):

    python PATCH.py            # apply
    python PATCH.py --dry-run  # say what it would change, change nothing

It replaces only files you do not edit, and in the notebooks only the locked
cells (instructions and checks); your code files and your answers are never
written. A file you were not meant to edit but did is kept beside the new one
as NAME.before-patch. It needs nothing but Python.
"""
import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

PAYLOAD = None       # the build writes the patch's content here (build_assignment/patch.py)


def file_digest(path):
    """sha256 of a file's bytes, or None when there is no such file."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def locked_cell(cell):
    """A cell students do not edit: nbgrader's locked cells that are not answers."""
    grading = cell.get("metadata", {}).get("nbgrader", {})
    return bool(grading.get("locked")) and not grading.get("solution")


def _update_notebook(path, change, dry_run):
    """Replace the locked cells the release changed, add its new ones, drop the ones it removed;
    every other cell stays as it is. Returns the number of cells changed."""
    notebook = json.loads(path.read_text())
    cells = notebook["cells"]
    by_id = {cell.get("id"): index for index, cell in enumerate(cells)}
    count = 0
    for cell_id, new_cell in change["replaced"].items():
        index = by_id.get(cell_id)
        if index is not None and locked_cell(cells[index]):
            cells[index] = new_cell
            count += 1
    for cell_id in change["removed"]:
        index = next((i for i, cell in enumerate(cells) if cell.get("id") == cell_id), None)
        if index is not None and locked_cell(cells[index]):
            del cells[index]
            count += 1
    for after_id, new_cell in change["added"]:
        ids = [cell.get("id") for cell in cells]
        cells.insert(ids.index(after_id) + 1 if after_id in ids else len(cells), new_cell)
        count += 1
    notebook.setdefault("metadata", {}).update(change["metadata"])
    if not dry_run:
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return count


def apply(folder, payload, dry_run=False):
    """Apply the patch to folder; returns (exit status, lines to print)."""
    folder = Path(folder)
    try:
        settings = json.loads((folder / "rubric.json").read_text())
    except (OSError, ValueError):
        return 2, ["%s has no readable rubric.json: run this inside your assignment folder" % folder]
    if settings.get("assignment") != payload["assignment"]:
        return 2, ["this patch is for %s, and this folder holds %s" % (payload["assignment"], settings.get("assignment"))]
    version = settings.get("version", "")
    if version == payload["to"]:
        return 0, ["this folder is already release %s: nothing to do" % version]
    if version != payload["from"]:
        return 2, ["this patch updates release %s to %s, and this folder is release %s: ask your instructor for "
                   "the patch from %s" % (payload["from"], payload["to"], version or "(unknown)", version)]
    lines = []
    for relative, entry in sorted(payload["files"].items()):
        path = folder / relative
        if entry is None:                       # removed from the release
            if file_digest(path) is not None and file_digest(path) == payload["old_digests"].get(relative):
                lines.append("removed %s" % relative)
                if not dry_run:
                    path.unlink()
            continue
        if file_digest(path) not in (None, payload["old_digests"].get(relative), entry["digest"]):
            lines.append("kept your edited %s as %s.before-patch" % (relative, path.name))
            if not dry_run:
                path.replace(path.with_name(path.name + ".before-patch"))
        lines.append("updated %s" % relative)
        if not dry_run:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(entry["content"]))
    for relative, change in sorted(payload["notebooks"].items()):
        path = folder / relative
        if not path.is_file():
            lines.append("%s is missing: not updated" % relative)
            continue
        count = _update_notebook(path, change, dry_run)
        lines.append("updated %d locked cell%s of %s (your answers are as they were)"
                     % (count, "" if count == 1 else "s", relative))
    for relative in payload["not_applied"]:
        lines.append("not changed: %s is yours; its released version changed (%s)" % (relative, payload["why"]))
    lines.append(("would update" if dry_run else "updated") + " release %s to %s" % (payload["from"], payload["to"]))
    return 0, lines


def main(argv=None):
    parser = argparse.ArgumentParser(description="Update this assignment folder to a newer release.")
    parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    parser.add_argument("--folder", default=".", help="the assignment folder (default: here)")
    args = parser.parse_args(argv)
    status, lines = apply(args.folder, PAYLOAD, args.dry_run)
    print("\n".join(lines), file=sys.stdout if status == 0 else sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""rubric.json is the one definition of points; nbgrader reads points only from
the notebooks' cell metadata, so `sync_points` copies them there."""
import json
import os

import nbformat

from .paths import RUBRIC, SOURCE_DIR


def load_rubric(path=RUBRIC):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def graded_cells(nb):
    """{grade_id: cell} of the cells that carry points (grade=True)."""
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            cells[meta["grade_id"]] = cell
    return cells


def check_cell_kinds(rubric, notebooks):
    """Every rubric part has exactly one graded cell of the right kind, in its
    notebook, and no graded cell lacks a rubric part. `notebooks` maps a
    notebook name (without .ipynb) to its NotebookNode."""
    problems = []
    parts = {p["id"]: p for p in rubric["parts"]}
    for name, nb in notebooks.items():
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade")]
        for gid in set(ids):
            if ids.count(gid) > 1:
                problems.append("%s: %d cells graded as %s" % (name, ids.count(gid), gid))
            if gid not in parts:
                problems.append("%s: graded cell %s is not in rubric.json" % (name, gid))
    for pid, part in parts.items():
        nb = notebooks.get(part["notebook"])
        cell = graded_cells(nb).get(pid) if nb is not None else None
        if cell is None:
            problems.append("rubric part %s has no graded cell in %s.ipynb" % (pid, part["notebook"]))
            continue
        meta = cell.metadata["nbgrader"]
        if part["kind"] == "auto" and not (cell.cell_type == "code" and meta.get("locked")
                                           and not meta.get("solution")):
            problems.append("%s should be a locked autograder test cell" % pid)
        if part["kind"] == "manual" and not meta.get("solution"):
            problems.append("%s should be a manually graded answer cell" % pid)
    return problems


def sync_points(source_dir=SOURCE_DIR, rubric=None):
    """Write the rubric's points into the source notebooks; only the `points`
    fields change, and a notebook is rewritten only when one differs.
    Returns the list of (notebook, part, old, new) changes."""
    rubric = rubric or load_rubric()
    notebooks = {}
    for part in rubric["parts"]:
        if part["notebook"] not in notebooks:
            path = os.path.join(source_dir, part["notebook"] + ".ipynb")
            notebooks[part["notebook"]] = nbformat.read(path, as_version=4)
    problems = check_cell_kinds(rubric, notebooks)
    if problems:
        raise ValueError("the notebooks do not match rubric.json:\n  " + "\n  ".join(problems))
    changes = []
    for name, nb in notebooks.items():
        cells = graded_cells(nb)
        changed = False
        for part in rubric["parts"]:
            if part["notebook"] != name:
                continue
            meta = cells[part["id"]].metadata["nbgrader"]
            if meta.get("points") != part["points"]:
                changes.append((name, part["id"], meta.get("points"), part["points"]))
                meta["points"] = part["points"]
                changed = True
        if changed:
            nbformat.write(nb, os.path.join(source_dir, name + ".ipynb"))
    return changes

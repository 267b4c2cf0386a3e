"""solutions/: the source with its marker lines removed and hidden tests dropped.

The .py files keep the solution bodies (only the `### BEGIN/END SOLUTION`
lines go); the notebooks lose their marker lines, their hidden-test regions
and any outputs, and are then executed by execute.py.
"""
import os
import shutil

import nbformat
from nbgrader.preprocessors import ClearHiddenTests

from .paths import BEGIN_SOLUTION, END_SOLUTION, SOURCE_DIR, solutions_dir, source_files
from .pystubs import strip_solution_markers


def solution_notebook(nb):
    """A copy of a source notebook as the solutions show it."""
    nb = nbformat.from_dict(nb)
    clear_hidden = ClearHiddenTests(enforce_metadata=False)
    for cell in nb.cells:
        clear_hidden._remove_hidden_test_region(cell)
        cell.source = "\n".join(line for line in cell.source.split("\n")
                                if BEGIN_SOLUTION not in line and END_SOLUTION not in line)
        cell.source = cell.source.rstrip("\n")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def build_solutions(out_root):
    """Write every source file into solutions/; returns the notebook paths to execute."""
    dest = solutions_dir(out_root)
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    notebooks = []
    for rel in source_files(SOURCE_DIR):
        src, out = os.path.join(SOURCE_DIR, rel), os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if rel.endswith(".ipynb"):
            nbformat.write(solution_notebook(nbformat.read(src, as_version=4)), out)
            notebooks.append(out)
        elif rel.endswith(".py"):
            with open(src, encoding="utf-8") as f:
                text = strip_solution_markers(f.read())
            with open(out, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            shutil.copyfile(src, out)
    return notebooks

"""solutions/: the source with its marker lines removed and hidden tests dropped.

The .py files keep the solution bodies (only the `### BEGIN/END SOLUTION`
lines go); the notebooks lose their marker lines, their hidden-test regions
and any outputs, and are then executed by execute.py.
"""
import os
import shutil

import nbformat

from .hidden_tests import remove_hidden_tests
from .package_name import rename_package
from .paths import BEGIN_SOLUTION, END_SOLUTION, SOURCE_DIR, package_names, solutions_dir, source_files
from .pystubs import strip_solution_markers


def solution_notebook(nb):
    """A copy of a source notebook as the solutions show it."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        remove_hidden_tests(cell)
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
    source_package, package = package_names()
    rename_package(dest, source_package, package)
    return notebooks

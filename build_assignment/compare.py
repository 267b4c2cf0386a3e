"""Compare a fresh build with the committed release/ and solutions/.

Exact, byte for byte: every file of release/, and every file of solutions/
except its executed notebooks. For an executed notebook: exact cell types,
ids, sources and metadata, and notebook metadata; for outputs only what is
stable: every code cell ran (it has an execution count), no error output, and
the PASS/FAIL lines of the visible checks are the same. Output numbers can
differ in the last digits between machines (BLAS, CPU) and PNG bytes between
matplotlib builds; comparing them exactly would make the drift test flaky.
"""
import filecmp
import os
import re

import nbformat

from .paths import is_excluded

VERDICT = re.compile(r"(?:\b(PASS|FAIL)\s*$|=>\s*([A-Z ]+)\s*$)")


def list_files(folder):
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not is_excluded(d)]
        for name in filenames:
            if not is_excluded(name):
                found.append(os.path.relpath(os.path.join(dirpath, name), folder))
    return sorted(found)


def output_text(cell):
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
        elif output.output_type == "error":
            parts.append("%s: %s" % (output.ename, output.evalue))
    return "".join(parts)


def check_lines(cell):
    """The check verdicts a cell printed: (label, verdict) pairs in order."""
    found = []
    for line in output_text(cell).split("\n"):
        match = VERDICT.search(line)
        if match:
            found.append((line.split()[0] if line.split() else "", match.group(1) or match.group(2)))
    return found


def executed_problems(nb):
    """What is wrong with an executed solutions notebook (empty when all is well)."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.execution_count is None:
            problems.append("cell %d (%s) did not run" % (i, cell.get("id")))
        for output in cell.outputs:
            if output.output_type == "error":
                problems.append("cell %d (%s) raised %s" % (i, cell.get("id"), output.ename))
        for label, verdict in check_lines(cell):
            if verdict != "PASS":
                problems.append("cell %d (%s): %s %s" % (i, cell.get("id"), label, verdict))
    return problems


def notebook_skeleton(nb):
    return (nb.metadata, [(c.cell_type, c.get("id"), c.source, c.metadata) for c in nb.cells])


def same_executed_notebook(a_path, b_path):
    a, b = nbformat.read(a_path, as_version=4), nbformat.read(b_path, as_version=4)
    if notebook_skeleton(a) != notebook_skeleton(b):
        return False
    if executed_problems(a) or executed_problems(b):
        return False
    return [check_lines(c) for c in a.cells if c.cell_type == "code"] == \
           [check_lines(c) for c in b.cells if c.cell_type == "code"]


def differences(built, committed, loose_notebooks):
    """Relative paths that differ between two generated folders."""
    a, b = list_files(built), list_files(committed)
    diff = ["only in the fresh build: " + p for p in sorted(set(a) - set(b))]
    diff += ["only in the committed copy: " + p for p in sorted(set(b) - set(a))]
    for rel in sorted(set(a) & set(b)):
        pa, pb = os.path.join(built, rel), os.path.join(committed, rel)
        if loose_notebooks and rel.endswith(".ipynb"):
            same = same_executed_notebook(pa, pb)
        else:
            same = filecmp.cmp(pa, pb, shallow=False)
        if not same:
            diff.append("differs: " + rel)
    return diff

"""Compare a fresh build with the committed release/ and solutions/.

Exact, byte for byte: every file of release/, and every file of solutions/
except its executed notebooks. For an executed notebook: exact cell types,
ids, sources and metadata, and notebook metadata; for outputs only what is
stable: every code cell ran (it has an execution count), no error output, and
the PASS/FAIL lines of the visible checks are the same. Output numbers can
differ in the last digits between machines (BLAS, CPU) and PNG bytes between
matplotlib builds; comparing them exactly would make the drift test flaky.

`difference_report` says how two builds differ, briefly: a unified diff for a
text file, and for a notebook nbdime's diff cell by cell (for the executed
notebooks without their outputs, plus the check verdicts that changed).
"""
import contextlib
import difflib
import filecmp
import io
import os
import re

import nbformat

from uploads.wording import counted

from .paths import is_excluded

MAX_DIFF_LINES = 40      # per file; the rest is counted

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


def compared(built, committed, loose_notebooks):
    """(what, relative path) for every difference between two generated folders;
    what is "only in the fresh build", "only in the committed copy" or "differs"."""
    a, b = list_files(built), list_files(committed)
    found = [("only in the fresh build", p) for p in sorted(set(a) - set(b))]
    found += [("only in the committed copy", p) for p in sorted(set(b) - set(a))]
    for rel in sorted(set(a) & set(b)):
        pa, pb = os.path.join(built, rel), os.path.join(committed, rel)
        if loose_notebooks and rel.endswith(".ipynb"):
            same = same_executed_notebook(pa, pb)
        else:
            same = filecmp.cmp(pa, pb, shallow=False)
        if not same:
            found.append(("differs", rel))
    return found


def differences(built, committed, loose_notebooks):
    """Relative paths that differ between two generated folders, one line each."""
    return ["%s: %s" % (what, rel) for what, rel in compared(built, committed, loose_notebooks)]


# ---------------------------------------------------------------- how they differ
def text_diff(committed_path, built_path):
    """A unified diff, committed copy -> fresh build (or a line for binary files)."""
    try:
        with open(committed_path, encoding="utf-8") as f:
            old = f.read().splitlines()
        with open(built_path, encoding="utf-8") as f:
            new = f.read().splitlines()
    except UnicodeDecodeError:
        return ["binary files differ (%s committed, %s in the fresh build)"
                % (counted(os.path.getsize(committed_path), "byte"), counted(os.path.getsize(built_path), "byte"))]
    return list(difflib.unified_diff(old, new, "committed", "fresh build", lineterm="", n=2))


@contextlib.contextmanager
def _diff_targets(outputs):
    """nbdime's diff targets (a module-wide setting) for the time of the block."""
    from nbdime.diffing.notebooks import set_notebook_diff_targets
    set_notebook_diff_targets(outputs=outputs)
    try:
        yield
    finally:
        set_notebook_diff_targets()


def notebook_diff(committed_path, built_path, loose):
    """nbdime's diff, cell by cell; an executed notebook's outputs are left out
    (they may differ in the last digits), its check verdicts are compared instead."""
    import nbdime
    from nbdime.prettyprint import PrettyPrintConfig, pretty_print_notebook_diff

    old, new = nbformat.read(committed_path, as_version=4), nbformat.read(built_path, as_version=4)
    with _diff_targets(outputs=not loose):
        diff = nbdime.diff_notebooks(old, new)
    out = io.StringIO()
    if diff:
        config = PrettyPrintConfig(out=out, use_color=False, use_git=False, use_diff=False)
        pretty_print_notebook_diff("committed", "fresh build", old, diff, config)
    lines = [line for line in out.getvalue().splitlines()
             if not line.startswith(("nbdiff ", "--- committed", "+++ fresh build"))]
    if loose:
        for i, cell in enumerate(new.cells):
            before = old.cells[i] if i < len(old.cells) else None
            if cell.cell_type == "code" and before is not None and check_lines(before) != check_lines(cell):
                lines.append("## cell %d (%s): check verdicts %s -> %s"
                             % (i, cell.get("id"), check_lines(before), check_lines(cell)))
        lines += ["## fresh build: " + problem for problem in executed_problems(new)]
    return lines or ["(no difference nbdime shows: compare the files' bytes)"]


def describe(built, committed, rel, loose_notebooks, limit=MAX_DIFF_LINES):
    """A short diff of one file that differs: at most `limit` lines."""
    committed_path, built_path = os.path.join(committed, rel), os.path.join(built, rel)
    if rel.endswith(".ipynb"):
        lines = notebook_diff(committed_path, built_path, loose_notebooks)
    else:
        lines = text_diff(committed_path, built_path)
    if len(lines) > limit:
        lines = lines[:limit] + ["... %s" % counted(len(lines) - limit, "more line")]
    return lines


def difference_report(folders):
    """Lines saying what differs and how. folders: [(label, fresh build folder,
    committed folder, loose notebooks)], e.g. ("release/rnn_captioning", ...)."""
    lines = []
    for label, built, committed, loose in folders:
        for what, rel in compared(built, committed, loose):
            path = "%s/%s" % (label, rel)
            if what != "differs":
                lines.append("%s: %s" % (path, what))
                continue
            lines.append("%s differs%s:" % (path, " (cell by cell)" if rel.endswith(".ipynb") else ""))
            lines += ["    " + line for line in describe(built, committed, rel, loose)]
    return lines

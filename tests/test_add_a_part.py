"""Adding a graded function to the assignment: the files an instructor edits by
hand, and nothing else, on a copy of the assignment; then the real build and
the real grader.

A softplus RNN step (forward and backward) is added by editing four files: the
solution (captioning/rnn_layers.py), its spec (captioning/check_data.py: the
signature, the notebook's inputs, the published answer, the tolerance),
rubric.json (its points) and the notebook (its test cells). The build writes
the release's stubs and the solutions and runs the solutions notebook; the
grader declares and runs the new parts' checks from the spec alone. The
corpus is not touched.
"""
import json
import os
import shutil
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from helpers import ROOT

EDITED = ("captioning/rnn_layers.py", "captioning/check_data.py", "rubric.json", "RNN_Captioning.ipynb")
PARTS = ("softplus_step_forward", "softplus_step_backward")

SOLUTION = '''

def softplus_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of an RNN with a softplus nonlinearity, log(1 + exp(a)).

    Inputs: x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,).
    Returns a tuple of next_h (N, H) and the cache softplus_step_backward needs.
    """
    next_h, cache = None, None
    ### BEGIN SOLUTION
    a = x @ Wx + prev_h @ Wh + b
    next_h = np.logaddexp(0, a)
    cache = (x, prev_h, Wx, Wh, a)
    ### END SOLUTION
    return next_h, cache


def softplus_step_backward(dnext_h, cache):
    """Backward pass of softplus_step_forward: dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,)."""
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    ### BEGIN SOLUTION
    x, prev_h, Wx, Wh, a = cache
    da = dnext_h * np.exp(-np.logaddexp(0, -a))     # softplus' derivative is the sigmoid
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    ### END SOLUTION
    return dx, dprev_h, dWx, dWh, db
'''

SPEC = '''SOFTPLUS_STEP = LayerSpec("softplus_step_forward", "softplus_step_backward", ("x", "prev_h", "Wx", "Wh", "b"),
                          ("next_h",), ("dnext_h",), ("dx", "dprev_h", "dWx", "dWh", "db"), (0, 1, 2, 3, 4),
                          step=True)
'''

SPEC_DATA = '''NOTEBOOK_CASES["softplus_step_forward"] = _rnn_step_forward_case
NOTEBOOK_CASES["softplus_step_backward"] = _rnn_step_backward_case
EXPECTED["softplus_step_forward"] = {"next_h": np.asarray(%r)}
TOLERANCES["softplus_step_forward"] = 1e-8
TOLERANCES["softplus_step_backward"] = 1e-8
'''

TEST_CELL = '''assert not show_check("{part}").failed, "{part} does not pass its check yet: see the lines above"
### BEGIN HIDDEN TESTS
from nbgrader_bridge.in_kernel import check_part
check_part("{part}")
### END HIDDEN TESTS'''


def published_answer():
    """The forward's answer on the notebook's inputs of rnn_step_forward, as an instructor
    computes it once and publishes it (8 decimals)."""
    def linspace(lo, hi, *shape):
        return np.linspace(lo, hi, num=int(np.prod(shape))).reshape(*shape)
    x, prev_h = linspace(-0.4, 0.7, 3, 10), linspace(-0.2, 0.5, 3, 4)
    Wx, Wh, b = linspace(-0.1, 0.9, 10, 4), linspace(-0.3, 0.7, 4, 4), linspace(-0.2, 0.4, 4)
    return np.round(np.logaddexp(0, x @ Wx + prev_h @ Wh + b), 8).tolist()


def replace_once(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


def add_softplus_step(src):
    """Edit the four files of the assignment copy at src, as an instructor would."""
    layers = src / "captioning" / "rnn_layers.py"
    layers.write_text(layers.read_text().rstrip("\n") + "\n" + SOLUTION)
    check_data = src / "captioning" / "check_data.py"
    replace_once(check_data, "LAYERS = (RNN_STEP, RNN, EMBEDDING, LSTM_STEP, LSTM)",
                 SPEC + "LAYERS = (RNN_STEP, SOFTPLUS_STEP, RNN, EMBEDDING, LSTM_STEP, LSTM)")
    replace_once(check_data, "NOTEBOOK_DIAGNOSES = _notebook_diagnoses()",
                 SPEC_DATA % (published_answer(),) + "NOTEBOOK_DIAGNOSES = _notebook_diagnoses()")
    rubric = json.loads((src / "rubric.json").read_text())
    at = [part["id"] for part in rubric["parts"]].index("rnn_step_backward") + 1
    rubric["parts"][at:at] = [
        {"id": PARTS[0], "title": PARTS[0], "notebook": "RNN_Captioning", "points": 3, "kind": "auto",
         "depends_on": []},
        {"id": PARTS[1], "title": PARTS[1], "notebook": "RNN_Captioning", "points": 3, "kind": "auto",
         "depends_on": [PARTS[0]]}]
    (src / "rubric.json").write_text(json.dumps(rubric, indent=1) + "\n")
    notebook = nbformat.read(src / "RNN_Captioning.ipynb", as_version=4)
    at = next(i for i, cell in enumerate(notebook.cells)
              if cell.metadata.get("nbgrader", {}).get("grade_id") == "rnn_step_backward") + 1
    for offset, part in enumerate(PARTS):
        cell = nbformat.v4.new_code_cell(TEST_CELL.format(part=part))
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": part, "locked": True, "points": 3,
                                     "schema_version": 3, "solution": False, "task": False}
        notebook.cells.insert(at + offset, cell)
    nbformat.write(notebook, src / "RNN_Captioning.ipynb")


def run(*args, timeout=600):
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_ASSIGNMENT"}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env)


def files_of(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def added(tmp_path_factory):
    """(the edited copy of the assignment, the build's output root)."""
    root = tmp_path_factory.mktemp("add_a_part")
    src = root / "course" / "source" / "rnn_captioning"
    shutil.copytree(ROOT / "source" / "rnn_captioning", src,
                    ignore=shutil.ignore_patterns("__pycache__", "corpus", "similarity_baseline"))
    before = files_of(src)
    add_softplus_step(src)
    changed = sorted(name for name, data in files_of(src).items() if before.get(name) != data)
    assert changed == sorted(EDITED), changed
    proc = run("-m", "build_assignment", "--assignment", str(src), "--out", str(root / "out"), "--jobs", "2")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return src, root / "out"


def grade(added, folder, out):
    src, _ = added
    proc = run("-m", "autograder", "grade", str(folder), "--out", str(out), "--assignment", str(src),
               "-k", "softplus_step")
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    scores = {}
    for test in results["tests"]:
        part = test["extra_data"]["part"]
        scores[part] = scores.get(part, 0.0) + test["score"]
    return results, scores


def test_the_build_stubs_the_new_function_and_the_solutions_notebook_passes_its_checks(added):
    _, out = added
    release = (out / "release" / "rnn_captioning" / "captioning" / "rnn_layers.py").read_text()
    stub = release.split("def softplus_step_forward", 1)[1].split("\ndef ", 1)[0]
    assert "raise NotImplementedError" in stub and "logaddexp" not in stub
    executed = nbformat.read(out / "solutions" / "rnn_captioning" / "RNN_Captioning.ipynb", as_version=4)
    cells = [cell for cell in executed.cells if cell.metadata.get("nbgrader", {}).get("grade_id") in PARTS]
    assert len(cells) == 2 and all(not any(o.output_type == "error" for o in cell.outputs) for cell in cells)
    assert all("BEGIN HIDDEN TESTS" not in cell.source for cell in cells)


def test_the_grader_grades_the_new_parts_from_the_spec(added, tmp_path):
    src, out = added
    results, scores = grade(added, out / "solutions" / "rnn_captioning", tmp_path / "solutions")
    assert scores == {PARTS[0]: 3.0, PARTS[1]: 3.0}
    assert results["extra_data"]["max_score"] == 96          # 90 + the two new parts
    # the numeric gradient of the student's own forward, and the saturated units, are checked too
    names = {test["name"] for test in results["tests"]}
    assert any("numeric gradient" in name for name in names) and any("saturated" in name for name in names)
    _, scores = grade(added, out / "release" / "rnn_captioning", tmp_path / "release")
    assert scores == {PARTS[0]: 0.0, PARTS[1]: 0.0}


def test_a_plausible_mistake_in_the_new_backward_costs_only_the_backward(added, tmp_path):
    """A backward without the nonlinearity's derivative loses the backward's points;
    the forward keeps its own."""
    _, out = added
    student = tmp_path / "student" / "rnn_captioning"
    shutil.copytree(out / "solutions" / "rnn_captioning", student)
    replace_once(student / "captioning" / "rnn_layers.py",
                 "da = dnext_h * np.exp(-np.logaddexp(0, -a))", "da = dnext_h")
    _, scores = grade(added, student, tmp_path / "graded")
    assert scores[PARTS[0]] == 3.0 and scores[PARTS[1]] == 0.0

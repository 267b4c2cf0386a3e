"""What a point means (docs/design.md, "Grading policy"), end to end through the grader:
a higher precision is correct (a tip), a lower one is not; a course that grades
dtype preservation turns it on in rubric.json and the visible checks and the
self-check then test it too; code that works in a notebook works here (the
objects a notebook passes); a broken import costs only the parts that need
that file, naming the file, the line and the module."""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from helpers import ROOT, SOLUTIONS, TASK, mutants, patching, run_grader


def rows(results, part):
    return [t for t in results["tests"] if t["extra_data"]["part"] == part]


def test_float64_results_for_float32_inputs_are_correct_with_a_tip(tmp_path):
    upcast = mutants.make_mutant(SOLUTIONS, tmp_path / "upcast" / TASK.id, "rnn_step_forward_float64")
    proc, results = run_grader(upcast, tmp_path / "out", "-k", "rnn_step_forward")
    assert proc.returncode == 0, proc.stderr
    assert all(t["status"] == "passed" for t in results["tests"])
    (float32,) = [t for t in rows(results, "rnn_step_forward") if t["extra_data"]["check"] == "float32"]
    assert float32["extra_data"]["tips"] and "counted as correct" in float32["output"]


def test_lower_precision_loses_the_points_and_says_so(tmp_path):
    low = mutants.make_mutant(SOLUTIONS, tmp_path / "low" / TASK.id, "rnn_step_forward_float16")
    proc, results = run_grader(low, tmp_path / "out", "-k", "rnn_step_forward")
    assert results["score"] == 0
    assert any("lower precision" in t["output"] for t in results["tests"])


@pytest.fixture(scope="module")
def preserving_course(tmp_path_factory):
    """The assignment with "policy": {"preserve_dtype": true} in rubric.json, and the
    solutions beside it with the same rubric.json (what a student gets)."""
    root = tmp_path_factory.mktemp("policy")
    assignment = root / "source" / TASK.id
    shutil.copytree(TASK.folder, assignment, ignore=shutil.ignore_patterns("__pycache__", "corpus"))
    rubric = json.loads((assignment / "rubric.json").read_text())
    rubric["policy"] = {"preserve_dtype": True}
    (assignment / "rubric.json").write_text(json.dumps(rubric, indent=2))
    student = mutants.make_mutant(SOLUTIONS, root / "student" / TASK.id, "rnn_step_forward_float64")
    shutil.copy(assignment / "rubric.json", student / "rubric.json")
    return assignment, student


def test_preserve_dtype_policy_is_graded_and_visible_before_submission(preserving_course, tmp_path):
    assignment, student = preserving_course
    env = dict(os.environ, AUTOGRADER_ASSIGNMENT=str(assignment))
    proc, results = run_grader(student, tmp_path / "out", "-k", "rnn_step_forward", env=env)
    assert proc.returncode == 0, proc.stderr
    (float32,) = [t for t in rows(results, "rnn_step_forward") if t["extra_data"]["check"] == "float32"]
    assert float32["score"] == 0 and "grades keeping the inputs' dtype" in float32["output"]
    # The same rule is in the student's own checks.
    check = subprocess.run([sys.executable, "selfcheck.py", "rnn_step_forward"], cwd=student,
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 1 and "dtype changed" in check.stdout, check.stdout


NOTEBOOK_IDIOMS = '''
def sample(self, features, max_length=30):
    # Idioms that work in a notebook because of the objects it passes.
    assert isinstance(max_length, int) and type(self.word_to_idx) is dict
    assert all(type(word) is str and type(index) is int for word, index in self.word_to_idx.items())
    assert self.dtype is np.float32 or self.dtype is np.float64
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)
    h = features @ self.params["W_proj"] + self.params["b_proj"]
    c = np.zeros_like(h)
    word = np.full(N, self._start)
    for t in range(max_length):
        x = self.params["W_embed"][word]
        if self.cell_type is 'rnn':
            h, _ = rnn_step_forward(x, h, self.params["Wx"], self.params["Wh"], self.params["b"])
        if self.cell_type is 'lstm':
            h, c, _ = lstm_step_forward(x, h, c, self.params["Wx"], self.params["Wh"], self.params["b"])
        word = np.argmax(h @ self.params["W_vocab"] + self.params["b_vocab"], axis=1)
        captions[:, t] = word
    return captions
'''


def test_code_that_works_in_a_notebook_works_in_the_grader(tmp_path):
    """`cell_type is 'rnn'` (interned literals), isinstance(max_length, int), a dict of
    str to int, dtype classes compared with `is`."""
    folder = shutil.copytree(SOLUTIONS, tmp_path / "idioms" / TASK.id, ignore=patching.COPY_IGNORES)
    model = folder / "captioning" / "classifiers" / "rnn.py"
    model.write_text(patching.replace_function(model.read_text(), "sample", textwrap.dedent(NOTEBOOK_IDIOMS)))
    proc, results = run_grader(folder, tmp_path / "out", "-k", "sample")
    assert proc.returncode == 0, proc.stderr
    assert [t["output"] for t in results["tests"] if t["status"] != "passed"] == []


def test_a_broken_import_costs_only_the_parts_that_need_that_file(tmp_path):
    folder = shutil.copytree(SOLUTIONS, tmp_path / "torch" / TASK.id, ignore=patching.COPY_IGNORES)
    model = folder / "captioning" / "classifiers" / "rnn.py"
    model.write_text("import torch  # left over from another course\n" + model.read_text())
    proc, results = run_grader(folder, tmp_path / "out", "-k", "not overfit")
    assert proc.returncode == 0, proc.stderr
    model_parts = {"rnn_loss", "rnn_sample", "lstm_loss", "lstm_sample"}
    for test in results["tests"]:
        if test["extra_data"]["part"] in model_parts:
            assert test["score"] == 0 and test["extra_data"]["hint"] == "import_error"
            assert "classifiers/rnn.py could not be imported (the error is at the top" in test["output"]
        else:
            assert test["status"] == "passed", test["name"]
    # the import error itself is said once, at the top, and recorded for the batch's status
    assert results["output"].count("No module named 'torch'") == 1
    assert "classifiers/rnn.py, line 1" in results["output"]
    assert list(results["extra_data"]["import_failures"]) == ["classifiers/rnn.py"]

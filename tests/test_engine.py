"""The engine on its own: a second, tiny assignment graded with no change to
autograder/, the keyword selection, and the hidden checks run by pytest."""
import os
import shutil
import subprocess
import sys

import pytest

from autograder.selection import SelectionError, matcher
from helpers import ROOT, run_grader

FIXTURE = ROOT / "tests" / "fixtures" / "affine_assignment"


def affine_submission(folder, body):
    package = folder / "layers_pkg"
    package.mkdir(parents=True)
    (package / "affine.py").write_text("def affine_forward(x, w, b):\n    %s\n" % body)
    return folder


@pytest.mark.parametrize("body, score", [("return x @ w + b", 3.0), ("return x @ w", 0.0),
                                         ("raise NotImplementedError", 0.0)])
def test_a_second_assignment_is_graded_by_the_same_engine(tmp_path, body, score):
    env = dict(os.environ, AUTOGRADER_ASSIGNMENT=str(FIXTURE))
    submission = affine_submission(tmp_path / "student", body)
    proc, results = run_grader(submission, tmp_path / "out", env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert results["score"] == score and results["extra_data"]["max_score"] == 3
    (test,) = results["tests"]
    assert test["name"] == "affine_forward: random inputs"
    assert "A question graded by hand (2 points)" in results["output"]


@pytest.mark.parametrize("expression, name, expected", [
    ("rnn_step", "rnn_step_backward::numeric_gradient", True),
    ("rnn_step and not numeric", "rnn_step_backward::numeric_gradient", False),
    ("not overfit", "overfit_rnn::overfit", False),
    ("(lstm or rnn) and float32", "lstm_forward::float32", True),
    ("RNN_STEP_FORWARD", "rnn_step_forward::seed_inputs", True),
    ("", "anything", True),
])
def test_keyword_selection_follows_pytests_grammar(expression, name, expected):
    assert matcher(expression)(name) is expected


@pytest.mark.parametrize("expression", ["rnn and", "(rnn", "rnn)", "and rnn"])
def test_malformed_selection_is_refused_before_grading(expression):
    with pytest.raises(SelectionError):
        matcher(expression)


def test_pytest_runs_the_hidden_checks_of_the_registry(correct_submission, tmp_path):
    release_like = tmp_path / "broken"
    shutil.copytree(correct_submission, release_like, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    layers = next(release_like.glob("*/rnn_layers.py"))
    layers.write_text(layers.read_text().replace("next_h = np.tanh(x @ Wx + prev_h @ Wh + b)",
                                                 "next_h = x @ Wx + prev_h @ Wh + b"))
    for folder, code in ((correct_submission, 0), (release_like, 1)):
        proc = subprocess.run([sys.executable, "-m", "pytest", "autograder/pytest_hidden.py", "-p", "no:cacheprovider",
                               "--submission", str(folder), "-k", "rnn_step_forward", "-q"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == code, proc.stdout[-3000:]
        assert ("4 passed" if code == 0 else "4 failed") in proc.stdout    # its four checks

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


def affine_student(folder, body):
    """A student of the affine fixture whose affine.py has its own helper and body."""
    package = folder / "layers_pkg"
    package.mkdir(parents=True)
    (package / "affine.py").write_text(body)
    return folder


AFFINE_A = '''

def _flatten(x):
    rows = x.shape[0]
    width = 1
    for size in x.shape[1:]:
        width = width * size
    return x.reshape(rows, width)


def _check_shapes(flat, w, b):
    if flat.shape[1] != w.shape[0]:
        raise ValueError("inputs have %d features, weights expect %d" % (flat.shape[1], w.shape[0]))
    if b.shape[0] != w.shape[1]:
        raise ValueError("bias has %d entries, weights give %d outputs" % (b.shape[0], w.shape[1]))
    return flat.shape[0], w.shape[1]


def _matmul(left, right, rows, columns):
    result = left.dot(right)
    assert result.shape == (rows, columns)
    return result


def _add_bias(total, b, columns):
    for column in range(columns):
        total[:, column] = total[:, column] + b[column]
    return total


def _clean(total):
    finite = total == total
    if not finite.all():
        raise FloatingPointError("the affine output has NaN entries")
    return total * 1.0


def affine_forward(x, w, b):
    flat = _flatten(x)
    rows, columns = _check_shapes(flat, w, b)
    total = _matmul(flat, w, rows, columns)
    total = _add_bias(total, b, columns)
    return _clean(total)
'''
AFFINE_B = '''
def affine_forward(x, w, b):
    import numpy
    out = numpy.einsum("nd,dm->nm", numpy.asarray(x).reshape(len(x), -1), w)
    out += numpy.broadcast_to(b, out.shape)
    if out.ndim != 2:
        raise ValueError("expected a matrix")
    return out
'''


def test_the_copy_check_compares_a_second_assignment(tmp_path):
    """similarity/ takes its files, release and package from the assignment it is
    given: the affine fixture's two copies are flagged, the third student is not."""
    from similarity import run_similarity
    from similarity.subject import for_assignment

    release = tmp_path / "kit" / "release" / "affine_demo" / "layers_pkg"
    release.mkdir(parents=True)
    (release / "affine.py").write_text("def affine_forward(x, w, b):\n    raise NotImplementedError\n")
    subject = for_assignment(FIXTURE, kit_root=tmp_path / "kit")
    assert subject.roles == ("affine.py",) and subject.packages == ("layers_pkg",)
    batch = tmp_path / "batch"
    affine_student(batch / "ann", AFFINE_A)
    affine_student(batch / "ben", AFFINE_A.replace("total", "acc").replace("column", "j"))
    affine_student(batch / "cat", AFFINE_B)
    result = run_similarity(batch, tmp_path / "out", progress=False, workers=1, subject=subject)
    flagged = {frozenset((pair.a, pair.b)) for pair in result.flagged}
    assert flagged == {frozenset(("ann", "ben"))}, [(p.a, p.b, p.score) for p in result.pairs]
    assert (tmp_path / "out" / "similarity.csv").is_file()

"""The engine on its own: a second, tiny assignment graded with no change to
autograder/, the keyword selection, and the hidden checks run by pytest."""
import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile

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


def kit_command(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env or {k: v for k, v in os.environ.items() if k != "AUTOGRADER_ASSIGNMENT"})


def test_grade_and_grade_batch_take_the_assignment_on_the_command_line(tmp_path):
    """--assignment, not the environment, picks the affine fixture for `grade` and for
    every grader a batch starts."""
    right = affine_submission(tmp_path / "one", "return x @ w + b")
    proc = kit_command("-m", "autograder", "grade", str(right), "--out", str(tmp_path / "g"),
                       "--assignment", str(FIXTURE))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "g" / "results.json").read_text())["score"] == 3.0
    batch = tmp_path / "batch"
    affine_submission(batch / "ann", "return x @ w + b")
    affine_submission(batch / "ben", "return x @ w")
    (batch / "cat").mkdir()
    proc = kit_command("-m", "autograder", "grade-batch", str(batch), "--out", str(tmp_path / "out"),
                       "--assignment", str(FIXTURE), "--quiet")
    assert proc.returncode == 1, proc.stdout + proc.stderr          # cat has nothing to grade
    with open(tmp_path / "out" / "grades.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert rows["ann"]["automatic_total"] == "3" and rows["ben"]["automatic_total"] == "0"
    assert rows["cat"]["status"] == "unreadable" and "layers_pkg/affine.py" in rows["cat"]["note"]
    assert set(rows) == {"(max points)", "ann", "ben", "cat"}


def test_an_unknown_assignment_is_refused_by_every_command(tmp_path):
    for command in (["-m", "autograder", "grade", str(tmp_path), "--out", str(tmp_path / "o")],
                    ["-m", "autograder", "grade-batch", str(tmp_path), "--out", str(tmp_path / "o")],
                    ["-m", "autograder", "gradescope-bundle", str(tmp_path / "b.zip")],
                    ["-m", "similarity", str(tmp_path), "--out", str(tmp_path / "o")],
                    ["-m", "build_assignment", "--check"]):
        proc = kit_command(*command, "--assignment", "no_such_assignment")
        assert proc.returncode == 2, (command, proc.stdout, proc.stderr)
        assert "no assignment 'no_such_assignment'" in proc.stderr, (command, proc.stderr)
        assert not (tmp_path / "o").exists() and not (tmp_path / "b.zip").exists()


def test_the_copy_check_of_an_assignment_without_a_release_says_so(tmp_path):
    affine_submission(tmp_path / "batch" / "ann", "return x @ w + b")
    proc = kit_command("-m", "similarity", str(tmp_path / "batch"), "--out", str(tmp_path / "o"),
                       "--assignment", str(FIXTURE))
    assert proc.returncode == 2 and "the release of affine_demo is not built" in proc.stderr, proc.stderr


def test_the_gradescope_bundle_of_a_second_assignment_grades_it(tmp_path):
    """The bundle holds the assignment it was made for (at source/<its folder>/, where the
    image's grader finds it), and only the grading modules the package imports."""
    bundle = tmp_path / "affine.zip"
    proc = kit_command("-m", "autograder", "gradescope-bundle", str(bundle), "--assignment", str(FIXTURE))
    assert proc.returncode == 0, proc.stderr
    root, source = tmp_path / "autograder", tmp_path / "autograder" / "source"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        archive.extractall(source)
        for info in archive.infolist():
            os.chmod(source / info.filename, (info.external_attr >> 16) & 0o777)
    assert "source/affine_assignment/grading/child_ops.py" in names
    assert not any(name.startswith("source/rnn_captioning/") for name in names)
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    env = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_ASSIGNMENT", "AUTOGRADER_DATA_DIR")}
    env.update(GRADESCOPE_ROOT=str(root), GRADESCOPE_PYTHON=sys.executable)
    proc = subprocess.run(["bash", str(source / "setup.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "grader ready" in proc.stdout, proc.stdout + proc.stderr
    for body, score in (("return x @ w + b", 3.0), ("return x @ w", 0.0)):
        shutil.rmtree(root / "submission", ignore_errors=True)
        (root / "submission").mkdir()
        (root / "submission" / "affine.py").write_text("def affine_forward(x, w, b):\n    %s\n" % body)
        proc = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert json.loads((root / "results" / "results.json").read_text())["score"] == score

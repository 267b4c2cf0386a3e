"""Shared fixtures of the kit's own test suite.

Several areas add fixtures here (data, build, autograder); each block says
whose it is. The reference package is importable in the test process for
tests of the reference itself; student code never runs in this process.
"""
import sys

import pytest

from helpers import DATA_DIR, ROOT, SOLUTIONS, SOURCE, run_grader

if str(SOURCE) not in sys.path:
    sys.path.insert(0, str(SOURCE))


@pytest.fixture(scope="session")
def root():
    return ROOT


# --- data (issue 3) -------------------------------------------------------
# The embedded synthetic dataset at datasets/synthetic_captioning (`make data`
# makes it). If it is missing or stale, the first test that needs it makes it
# there; a file lock keeps parallel xdist workers from generating it twice.
@pytest.fixture(scope="session")
def synthetic_data_dir():
    import fcntl
    from captioning.datagen import synthetic

    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    with open(DATA_DIR.parent / ".synthetic_captioning.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not synthetic.is_up_to_date(str(DATA_DIR)):
            synthetic.generate(str(DATA_DIR))
    return str(DATA_DIR)


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory):
    """A small synthetic dataset (40 train and 10 val images), made in well under a second."""
    from captioning.datagen import synthetic
    return synthetic.generate(str(tmp_path_factory.mktemp("tiny") / "synthetic_captioning"),
                              num_train=40, num_val=10)


# --- autograder (issue 4) -------------------------------------------------
# Grading runs `python -m autograder grade` in a subprocess, as a user would;
# the solutions are graded once per session (each xdist worker) and reused.
@pytest.fixture(scope="session")
def correct_submission():
    """The built solutions, or the source (its markers are comments) before the first build."""
    return SOLUTIONS if (SOLUTIONS / "captioning" / "rnn_layers.py").is_file() else SOURCE


@pytest.fixture(scope="session")
def graded_solutions(correct_submission, tmp_path_factory):
    out = tmp_path_factory.mktemp("graded_solutions")
    proc, results = run_grader(correct_submission, out)
    assert proc.returncode == 0, proc.stderr
    return {"proc": proc, "results": results, "out": out}

"""Fixtures of the hidden checks: the grading context of the submission being graded."""
import pytest

from autograder import runner


@pytest.fixture
def grading():
    return runner.current()

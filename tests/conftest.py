"""Shared fixtures of the kit's own test suite.

Several areas add fixtures here (data, build, autograder); each block says
whose it is. The reference package is importable in the test process for
tests of the reference itself; student code never runs in this process.
"""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source" / "rnn_captioning"
RELEASE = ROOT / "release" / "rnn_captioning"
SOLUTIONS = ROOT / "solutions" / "rnn_captioning"
DATA_DIR = ROOT / "datasets" / "synthetic_captioning"

if str(SOURCE) not in sys.path:
    sys.path.insert(0, str(SOURCE))


@pytest.fixture(scope="session")
def root():
    return ROOT

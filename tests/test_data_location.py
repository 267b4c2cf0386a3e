"""Finding the data folder from every place a notebook or a script runs."""
import os
import shutil
import subprocess
import sys

import pytest

from captioning.coco_utils import load_coco_data
from helpers import SOURCE as ASSIGNMENT


# ---------------------------------------------------- finding the data folder

def _copy_package(assignment_dir):
    assignment_dir.mkdir(parents=True)
    shutil.copytree(ASSIGNMENT / "captioning", assignment_dir / "captioning",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ASSIGNMENT / "get_datasets.py", assignment_dir / "get_datasets.py")


def _found_from(assignment_dir, env_value=None):
    """find_data_dir() as a notebook running in `assignment_dir` sees it (a fresh process)."""
    env = {k: v for k, v in os.environ.items() if k != "CAPTIONING_DATA"}
    env.pop("PYTHONPATH", None)
    if env_value is not None:
        env["CAPTIONING_DATA"] = env_value
    code = ("from captioning.coco_utils import find_data_dir\n"
            "try:\n    print(find_data_dir())\n"
            "except FileNotFoundError as e:\n    print('ERROR', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=assignment_dir, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def course_root(tmp_path_factory, tiny_data_dir):
    """A course folder laid out like the repo and like an nbgrader course."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(tiny_data_dir, root / "datasets" / "synthetic_captioning")
    for place in ("source", "release", "solutions", "submitted/alice", "autograded/alice"):
        _copy_package(root / place / "rnn_captioning")
    return root


@pytest.mark.parametrize("place", ["source", "release", "solutions", "submitted/alice", "autograded/alice"])
def test_data_found_from_every_folder_of_a_course(course_root, place):
    found = _found_from(course_root / place / "rnn_captioning")
    assert found == str(course_root / "datasets" / "synthetic_captioning")


def test_standalone_copy_uses_its_own_datasets_folder(tmp_path, tiny_data_dir):
    student = tmp_path / "home" / "rnn_captioning"
    _copy_package(student)
    assert _found_from(student).startswith("ERROR")
    shutil.copytree(tiny_data_dir, student / "datasets" / "synthetic_captioning")
    assert _found_from(student) == str(student / "datasets" / "synthetic_captioning")


def test_missing_data_error_names_the_command(tmp_path):
    student = tmp_path / "rnn_captioning"
    _copy_package(student)
    message = _found_from(student)
    assert message.startswith("ERROR")
    assert "python get_datasets.py" in message and "CAPTIONING_DATA" in message


def test_environment_variable_wins(course_root, tiny_data_dir, tmp_path):
    other = tmp_path / "my_data"
    shutil.copytree(tiny_data_dir, other)
    assert _found_from(course_root / "release" / "rnn_captioning", str(other)) == str(other)
    # A dataset name looks that dataset up the usual way.
    shutil.copytree(tiny_data_dir, course_root / "datasets" / "coco_captioning")
    try:
        found = _found_from(course_root / "submitted" / "alice" / "rnn_captioning", "coco")
        assert found == str(course_root / "datasets" / "coco_captioning")
    finally:
        shutil.rmtree(course_root / "datasets" / "coco_captioning")
    bad = _found_from(course_root / "release" / "rnn_captioning", str(tmp_path / "nowhere"))
    assert bad.startswith("ERROR") and "CAPTIONING_DATA" in bad


def test_base_dir_argument_beats_everything(tiny_data_dir, monkeypatch):
    monkeypatch.setenv("CAPTIONING_DATA", "/nonexistent/folder")
    loaded = load_coco_data(base_dir=tiny_data_dir)
    assert loaded["train_features"].shape == (40, 512)


@pytest.mark.slow
def test_get_datasets_command_in_a_standalone_copy(tmp_path):
    student = tmp_path / "rnn_captioning"
    _copy_package(student)
    proc = subprocess.run([sys.executable, "get_datasets.py"], cwd=student,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert _found_from(student) == str(student / "datasets" / "synthetic_captioning")

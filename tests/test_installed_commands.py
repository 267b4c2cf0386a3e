"""The kit's tools are installed commands that work from any folder (issue 11,
point 4). The kit is installed as the Makefile does (`pip install -e .`, here
offline: --no-deps --no-build-isolation) into a throw-away virtual environment
layered on this one's packages; then the commands run from a folder outside
the repo, as does `python -m autograder`."""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from helpers import RELEASE, ROOT, TASK

COMMANDS = {"captioning-autograder": "autograder", "captioning-nbgrader": "nbgrader_bridge",
            "captioning-build": "build_assignment", "captioning-similarity": "similarity"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder of a venv with the kit installed editable, a folder outside the repo)."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # this environment's packages (numpy, nbgrader, pip, setuptools, ...) beneath the new one
    Path(site, "_kit_test_base.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "-e", str(ROOT)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    return venv / "bin", elsewhere


def run(command, cwd, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AUTOGRADER_ASSIGNMENT")}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_and_its_module_answer_from_any_folder(installed, command):
    bin_dir, elsewhere = installed
    for argv in ([str(bin_dir / command), "--help"], [str(bin_dir / "python"), "-m", COMMANDS[command], "--help"]):
        proc = run(argv, elsewhere)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "usage:" in proc.stdout


def test_grading_from_another_folder(installed):
    bin_dir, elsewhere = installed
    proc = run([str(bin_dir / "captioning-autograder"), "grade", str(RELEASE), "--out", "graded",
                "-k", "rnn_step_forward"], elsewhere)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((elsewhere / "graded" / "results.json").read_text())
    assert results["score"] == 0 and len(results["tests"]) == len(TASK.parts["rnn_step_forward"].checks)
    # the same with python -m, relative paths resolved against the caller's folder
    proc = run([str(bin_dir / "python"), "-m", "autograder", "grade", str(RELEASE), "--out", "graded2",
                "-k", "rnn_step_forward"], elsewhere)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (elsewhere / "graded2" / "report.md").is_file()


def test_import_grades_from_another_folder_uses_the_course_gradebook(installed):
    bin_dir, elsewhere = installed
    proc = run([str(bin_dir / "captioning-nbgrader"), "import-grades", "nowhere", "--assignment", TASK.id], elsewhere)
    # nothing to import, but the command ran, found the kit and named the course's gradebook
    assert proc.returncode == 2
    assert "nowhere is neither a grade folder" in proc.stderr
    proc = run([str(bin_dir / "captioning-nbgrader"), "import-grades", "--help"], elsewhere)
    assert str(ROOT / "gradebook.db") in proc.stdout.replace("\n", "").replace(" ", "")


def test_grade_batch_from_another_folder(installed):
    """Relative paths mean the caller's folder, for the batch's submissions and its --out alike."""
    bin_dir, elsewhere = installed
    batch = elsewhere / "batch"
    shutil.copytree(RELEASE, batch / "alice")
    proc = run([str(bin_dir / "captioning-autograder"), "grade-batch", "batch", "--out", "batch_out",
                "-k", "rnn_step_forward"], elsewhere)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((elsewhere / "batch_out" / "alice" / "results.json").read_text())
    assert results["tests"] and all("could not be read" not in t["output"] for t in results["tests"]), results

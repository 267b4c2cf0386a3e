"""A course that names the student package `cs231n`: set once in rubric.json,
the build, the notebooks, the self-check and the grader all follow."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from build_assignment.package_name import rename_in_text
from helpers import DATA_DIR, ROOT, TASK

KIT_FOLDERS = ("autograder", "build_assignment", "nbgrader_bridge")


@pytest.mark.parametrize("text, expected", [
    ("from captioning.rnn_layers import *", "from cs231n.rnn_layers import *"),
    ("import captioning.public_checks as pc", "import cs231n.public_checks as pc"),
    ("open `captioning/rnn_layers.py`", "open `cs231n/rnn_layers.py`"),
    ("    from captioning.public_checks import show_check", "    from cs231n.public_checks import show_check"),
    ("image captioning. Then", "image captioning. Then"),
    ("the rnn_captioning/ folder", "the rnn_captioning/ folder"),
    ("captioning_solver.py", "captioning_solver.py"),
])
def test_only_references_to_the_package_are_renamed(text, expected):
    assert rename_in_text(text, "captioning", "cs231n") == expected


@pytest.fixture(scope="module")
def cs231n_course(tmp_path_factory, synthetic_data_dir):
    """A copy of the kit whose rubric.json says "package": "cs231n", built."""
    course = tmp_path_factory.mktemp("cs231n") / "course"
    course.mkdir()
    for name in KIT_FOLDERS:
        shutil.copytree(ROOT / name, course / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(TASK.folder, course / "source" / TASK.id,
                    ignore=shutil.ignore_patterns("__pycache__", "corpus"))
    shutil.copy(ROOT / "nbgrader_config.py", course)
    (course / "datasets").mkdir()
    os.symlink(DATA_DIR, course / "datasets" / DATA_DIR.name)
    rubric_path = course / "source" / TASK.id / "rubric.json"
    rubric = json.loads(rubric_path.read_text())
    rubric["package"] = "cs231n"
    rubric_path.write_text(json.dumps(rubric, indent=2))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOGRADER_", "CAPTIONING_"))}
    proc = subprocess.run([sys.executable, "-m", "build_assignment", "--out", str(course)], cwd=course,
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return course, env


def grade(course, env, folder, out):
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out)],
                          cwd=course, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "results.json").read_text())


@pytest.mark.slow
def test_build_names_the_package_everywhere(cs231n_course):
    course, _ = cs231n_course
    for step in ("release", "solutions"):
        folder = course / step / TASK.id
        assert (folder / "cs231n" / "rnn_layers.py").is_file() and not (folder / "captioning").exists()
        for notebook in folder.glob("*.ipynb"):
            text = notebook.read_text()
            assert "from cs231n.rnn_layers import *" in text and "from captioning." not in text
    solutions = course / "solutions" / TASK.id
    proc = subprocess.run([sys.executable, "selfcheck.py"], cwd=solutions, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.slow
def test_grader_gives_the_solutions_everything_and_the_release_nothing(cs231n_course, tmp_path):
    course, env = cs231n_course
    solutions = grade(course, env, course / "solutions" / TASK.id, tmp_path / "solutions")
    assert solutions["score"] == TASK.max_score(), [t["name"] for t in solutions["tests"] if t["status"] != "passed"]
    release = grade(course, env, course / "release" / TASK.id, tmp_path / "release")
    assert release["score"] == 0


@pytest.mark.slow
def test_nbgrader_autogrades_a_cs231n_course(cs231n_course):
    """nbgrader puts its recorded copies of the locked and test cells back into
    every submission: they must import cs231n too, or correct work scores 0."""
    from nbgrader.api import Gradebook
    from nbgrader_bridge.course import Course
    course_root, env = cs231n_course
    course = Course(course_root)
    course.env = dict(env, PATH=course.env["PATH"])
    course.generate_assignment()
    with Gradebook(course.gradebook_url) as gb:
        recorded = [cell.source for notebook in gb.find_assignment(TASK.id).notebooks
                    for cell in notebook.source_cells]
    assert any("from cs231n." in source for source in recorded)
    assert not any("from captioning." in source or "import captioning" in source for source in recorded)
    course.submit_with_package("good", course_root / "solutions" / TASK.id / "cs231n")
    course.nbgrader("autograde", TASK.id, "--create", "--force")
    with Gradebook(course.gradebook_url) as gb:
        automatic = {part.id for part in TASK.auto_parts}
        grades = [grade for notebook in gb.find_submission(TASK.id, "good").notebooks
                  for grade in notebook.grades if grade.name in automatic]
        scored = {grade.name: grade.auto_score for grade in grades}
        wanted = {grade.name: grade.max_score for grade in grades}
    assert scored == wanted and sum(wanted.values()) == TASK.max_score()

"""The README's "Grading with nbgrader" section, executed command by command as
written (issue 11, points 2 and 8), on a temporary course (nbgrader_bridge.course)
with the kit's .venv linked in, as `source .venv/bin/activate` expects.

Besides the README's own first submission (alice, the untouched release), a
second student is put in submitted/ beforehand: mallory, whose notebooks forge
every in-kernel check and who also edited a locked test cell. Her feedback and
exported grade must be the sandboxed grader's (0), which holds only if the
feedback comes after import-grades. One bash session runs the commands in
order; markers split each command's output."""
import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from build_assignment.compare import differences
from helpers import PARTS, RELEASE, ROOT
from nbgrader_bridge.course import ASSIGNMENT, make_course_copy
from test_nbgrader_e2e import FORGERY, after_cell, insert_cell

AUTO_POINTS = {p.id: p.points for p in PARTS.values() if p.kind == "auto"}
TAMPERED_CELL = "rnn_step_forward"


def readme_section():
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Grading with nbgrader", 1)[1].split("\n## ", 1)[0]


def readme_commands():
    """The section's first bash block, one command per line (comment lines left out)."""
    block = re.search(r"```bash\n(.*?)```", readme_section(), re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_section_starts_with_generate_assignment_and_imports_before_the_feedback():
    commands = [line.split("#")[0].strip() for line in readme_commands()]
    position = {name: next(i for i, c in enumerate(commands) if name in c)
                for name in ("generate_assignment", "autograde", "grade-batch", "import-grades",
                             "generate_feedback", "export")}
    assert list(position) == sorted(position, key=position.get), commands
    assert "make build" not in " ".join(commands)


def forger_submission(course):
    """mallory: the untouched release, every in-kernel check forged, a locked test cell edited."""
    folder = course.submit("mallory")
    for name in ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb"):
        insert_cell(folder / name, after_cell(folder / name, "setup"), FORGERY)
    notebook = folder / "RNN_Captioning.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == TAMPERED_CELL)
    cell.source = "# I was here\n" + cell.source
    nbformat.write(nb, notebook)


def run_commands(course, commands):
    """Run the commands in one bash session; returns {command: (stdout, stderr)} and the return code."""
    script = ["set -euo pipefail"]
    for number, command in enumerate(commands):
        script += ["echo '@@@ %d'; echo '@@@ %d' >&2" % (number, number), command]
    proc = subprocess.run(["bash", "-c", "\n".join(script)], cwd=course.root, env=course.env,
                          capture_output=True, text=True, timeout=1500)

    def split(text):
        pieces = re.split(r"^@@@ (\d+)\n", text, flags=re.M)
        return {int(pieces[i]): pieces[i + 1] for i in range(1, len(pieces) - 1, 2)}
    out, err = split(proc.stdout), split(proc.stderr)
    return {command: (out.get(i, ""), err.get(i, "")) for i, command in enumerate(commands)}, proc


def output_of(outputs, name):
    return next(value for command, value in outputs.items() if name in command.split("#")[0])


@pytest.fixture(scope="module")
def readme_course(tmp_path_factory, synthetic_data_dir):
    course = make_course_copy(tmp_path_factory.mktemp("readme") / "course")
    (course.root / ".venv").symlink_to(Path(sys.prefix))
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")     # only to make mallory's copy
    forger_submission(course)
    shutil.rmtree(course.root / "release")
    (course.root / "gradebook.db").unlink()                           # the README starts from nothing
    outputs, proc = run_commands(course, readme_commands())
    assert proc.returncode == 0, "a README command failed:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-5000:])
    return course, outputs


@pytest.mark.slow
def test_readme_commands_grade_a_course_with_the_sandboxed_scores(readme_course, tmp_path):
    course, outputs = readme_course
    # generate_assignment wrote what make build writes, and recorded the assignment
    assert differences(str(course.folder("release")), str(RELEASE), False) == []
    with Gradebook(course.gradebook_url) as gb:
        gb.find_assignment(ASSIGNMENT)
        scores = {student: {grade.name: grade.auto_score for nb in gb.find_submission(ASSIGNMENT, student).notebooks
                            for grade in nb.grades if grade.name in AUTO_POINTS}
                  for student in ("alice", "mallory")}
    # the forgery fooled autograde, but the imported (sandboxed) scores are in the gradebook
    assert scores["mallory"] == {part: 0 for part in AUTO_POINTS} == scores["alice"]
    assert "2 of 2 students imported" in output_of(outputs, "import-grades")[0]
    # ... and in the feedback students read
    rnn_points = sum(p.points for p in PARTS.values() if p.notebook == "RNN_Captioning")
    page = (course.folder("feedback", "mallory") / "RNN_Captioning.html").read_text()
    assert "(Score: 0.0 / %.1f)" % rnn_points in page
    # ... and in the export
    with open(course.root / "grades.csv", newline="") as f:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert exported == {"alice": 0.0, "mallory": 0.0}


@pytest.mark.slow
def test_nbgrader_warns_only_about_real_changes(readme_course):
    _, outputs = readme_course
    autograde = output_of(outputs, "nbgrader autograde")[1]
    checksum = re.findall(r"Attribute 'checksum' for cell (\w+) has changed", autograde)
    assert checksum == [TAMPERED_CELL], checksum        # mallory's edit only; untouched cells are quiet
    assert "not in session" not in autograde
    feedback = output_of(outputs, "generate_feedback")[1]
    assert "not recognized" not in feedback and "display_data_priority" not in feedback

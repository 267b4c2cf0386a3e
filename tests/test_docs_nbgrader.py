"""docs/nbgrader.md ("Grading with nbgrader"), executed command by command as
written (issue 11, points 2 and 8), on a temporary course (nbgrader_bridge.course)
with the kit's .venv linked in, as `source .venv/bin/activate` expects.

Besides the guide's own first submission (alice, the untouched release), the
kinds of students a course has are put in submitted/ beforehand: mallory, whose
notebooks forge every in-kernel check and who also edited a locked test cell;
bob, with a bug; carl, whose rnn.py has a syntax error; nora, who handed in
only the notebooks; zed, who uploaded the whole folder as a zip; emma, whose
folder is empty; and a stray notes.txt. nbgrader autograde passes over zed and
emma; the export must still list every student, each with the sandboxed
grader's score or a 0 that says why, never a score from the student's kernel
(which holds only if the feedback and the export come after import-grades).
One bash session runs the commands in order; markers split each command's
output and give its exit status."""
import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from build_assignment.compare import differences
from helpers import PARTS, RELEASE, ROOT, SOLUTIONS, mutants, part_scores, whole_folder_zip
from nbgrader_bridge.course import ASSIGNMENT, make_course_copy
from test_nbgrader_e2e import FORGERY, after_cell, insert_cell

AUTO_POINTS = {p.id: p.points for p in PARTS.values() if p.kind == "auto"}
TAMPERED_CELL = "rnn_step_forward"


def readme_section():
    """docs/nbgrader.md up to its first sub-section: the commands and what they do."""
    return (ROOT / "docs" / "nbgrader.md").read_text().split("\n## ", 1)[0]


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


def course_of_every_kind(course):
    """The students besides alice, and a file that is no student's; {student: kind}."""
    forger_submission(course)
    bob = course.submit("bob")
    mutants.make_mutant(SOLUTIONS, course.root / "bob_package", "rnn_step_backward_no_tanh_derivative")
    shutil.rmtree(bob / "captioning")
    shutil.copytree(course.root / "bob_package" / "captioning", bob / "captioning")
    shutil.rmtree(course.root / "bob_package")
    carl = course.submit_with_package("carl", SOLUTIONS / "captioning")
    model = carl / "captioning" / "classifiers" / "rnn.py"
    model.write_text(model.read_text().replace("class CaptioningRNN", "class CaptioningRNN(", 1))
    shutil.rmtree(course.submit("nora") / "captioning")
    (course.root / "submitted" / "zed").mkdir()
    whole_folder_zip(course.root / "submitted" / "zed" / (ASSIGNMENT + ".zip"), images=50)
    (course.root / "submitted" / "emma").mkdir()
    (course.root / "submitted" / "notes.txt").write_text("marks due Friday\n")
    return {"mallory": "forger", "bob": "bug", "carl": "syntax error", "nora": "notebooks only",
            "zed": "whole-folder zip", "emma": "empty folder"}


def run_commands(course, commands):
    """Run the commands in one bash session, on to the end whatever each returns (as a person
    would); returns {command: (stdout, stderr, exit status)}."""
    script = []
    for number, command in enumerate(commands):
        script += ["echo '@@@ %d'; echo '@@@ %d' >&2" % (number, number), command, "echo \"### $?\""]
    proc = subprocess.run(["bash", "-c", "\n".join(script)], cwd=course.root, env=course.env,
                          capture_output=True, text=True, timeout=1500)

    def split(text):
        pieces = re.split(r"^@@@ (\d+)\n", text, flags=re.M)
        return {int(pieces[i]): pieces[i + 1] for i in range(1, len(pieces) - 1, 2)}
    out, err = split(proc.stdout), split(proc.stderr)
    results = {}
    for i, command in enumerate(commands):
        status = re.search(r"^### (\d+)$", out.get(i, ""), re.M)
        results[command] = (out.get(i, ""), err.get(i, ""), int(status.group(1)) if status else None)
    return results


def output_of(outputs, name):
    return next(value for command, value in outputs.items() if name in command.split("#")[0])


@pytest.fixture(scope="module")
def readme_course(tmp_path_factory, synthetic_data_dir):
    course = make_course_copy(tmp_path_factory.mktemp("readme") / "course")
    (course.root / ".venv").symlink_to(Path(sys.prefix))
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")     # only to make the students' copies
    kinds = course_of_every_kind(course)
    shutil.rmtree(course.root / "release")
    (course.root / "gradebook.db").unlink()                           # the guide starts from nothing
    outputs = run_commands(course, readme_commands())
    # Every command succeeds; grade-batch and import-grades exit 1 to say that some students
    # (nora, emma) could not be graded, each listed.
    for command, (out, err, status) in outputs.items():
        expected = 1 if ("grade-batch" in command or "import-grades" in command) else 0
        assert status == expected, "%s exited %s:\n%s\n%s" % (command, status, out[-3000:], err[-5000:])
    return course, outputs, kinds


@pytest.mark.slow
def test_readme_commands_grade_a_course_with_the_sandboxed_scores(readme_course, tmp_path):
    course, outputs, kinds = readme_course
    # generate_assignment wrote what make build writes, and recorded the assignment
    assert differences(str(course.folder("release")), str(RELEASE), False) == []
    students = ["alice"] + sorted(kinds)
    graded = course.root / "out" / "graded"
    sandboxed = {}
    for student in students:
        results = graded / student / "results.json"
        status = (graded / student / "status.json").read_text()
        sandboxed[student] = part_scores(json.loads(results.read_text())) \
            if '"unreadable"' not in status else None
    assert sandboxed["nora"] is None and sandboxed["emma"] is None          # nothing the grader can read
    assert sum(sandboxed["zed"].values()) == sum(AUTO_POINTS.values())
    assert 0 < sum(sandboxed["bob"].values()) < sum(AUTO_POINTS.values())
    assert 0 < sum(sandboxed["carl"].values()) < sum(AUTO_POINTS.values())
    with Gradebook(course.gradebook_url) as gb:
        gb.find_assignment(ASSIGNMENT)
        scores = {student: {grade.name: grade.auto_score for nb in gb.find_submission(ASSIGNMENT, student).notebooks
                            for grade in nb.grades if grade.name in AUTO_POINTS}
                  for student in students}
        comments = {student: {c.auto_comment for nb in gb.find_submission(ASSIGNMENT, student).notebooks
                              for c in nb.comments} for student in ("nora", "emma")}
    # every automatic cell holds the sandboxed grader's score, or 0 when there is none
    for student in students:
        expected = sandboxed[student] or {part: 0 for part in AUTO_POINTS}
        assert scores[student] == pytest.approx(expected, abs=1e-6), student
    # the forgery fooled autograde, but the imported (sandboxed) scores are in the gradebook
    assert scores["mallory"] == {part: 0 for part in AUTO_POINTS} == scores["alice"]
    # nora's and emma's zeros say why
    for student in ("nora", "emma"):
        assert all("could not be imported" in c and "unreadable" in c for c in comments[student]), comments
    imported = output_of(outputs, "import-grades")
    assert "%d of %d students imported; not imported: emma, nora" % (len(students) - 2, len(students)) \
        in imported[0]
    assert "(scored 0 with the reason: emma, nora)" in imported[0]
    batch = output_of(outputs, "grade-batch")[0]
    assert "carl: could not be imported" in batch and "notes.txt in submitted: not a folder" in batch
    # ... and in the feedback students read
    rnn_points = sum(p.points for p in PARTS.values() if p.notebook == "RNN_Captioning")
    page = (course.folder("feedback", "mallory") / "RNN_Captioning.html").read_text()
    assert "(Score: 0.0 / %.1f)" % rnn_points in page
    # ... and in the export: every student, with no score from a student's kernel (no inline
    # question is graded by hand here, so the total is the automatic one)
    with open(course.root / "grades.csv", newline="") as f:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert exported == pytest.approx({s: sum((sandboxed[s] or {}).values()) for s in students}, abs=1e-6)


@pytest.mark.slow
def test_nbgrader_warns_only_about_real_changes(readme_course):
    _, outputs, _ = readme_course
    autograde = output_of(outputs, "nbgrader autograde")[1]
    checksum = re.findall(r"Attribute 'checksum' for cell (\w+) has changed", autograde)
    assert checksum == [TAMPERED_CELL], checksum        # mallory's edit only; untouched cells are quiet
    assert "not in session" not in autograde
    feedback = output_of(outputs, "generate_feedback")[1]
    assert "not recognized" not in feedback and "display_data_priority" not in feedback

"""nbgrader end to end: real `nbgrader` commands, a real gradebook.db and real
kernels on a temporary copy of the course (nbgrader_bridge.course), and the
import of the sandboxed grader's scores into that gradebook.

One `nbgrader autograde` run grades every student of the module (both
notebooks); it is made once per test session, even across xdist workers
(a file lock guards a shared folder), and the tests read its results.
"""
import csv
import html
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.assignment import upstream_closure
from build_assignment.paths import BEGIN_HIDDEN, END_HIDDEN
from helpers import PARTS, ROOT, TASK, once_for_all_workers, run_grader
from nbgrader_bridge.course import ASSIGNMENT, Course, make_course_copy

SOLUTIONS_PACKAGE = ROOT / "solutions" / ASSIGNMENT / "captioning"
AUTO_POINTS = {p.id: p.points for p in PARTS.values() if p.kind == "auto"}
BUGGY_PART = "rnn_backward"

# rnn_backward without the tanh derivative (the solutions' exact line, then the bug).
CORRECT_LINE = "da[:, t] = (dh[:, t] + dprev_h) * (1 - h[:, t] * h[:, t])"
BUGGY_LINE = "da[:, t] = (dh[:, t] + dprev_h)"

# What a student can put in a notebook cell to forge every in-kernel check:
# the visible assertion reads the notebook's `show_check`, the hidden region
# imports the (cached) nbgrader_bridge.in_kernel module. Both are replaced, and the
# overfit cells' argument is defined.
FORGERY = '''import types
import nbgrader_bridge.in_kernel
nbgrader_bridge.in_kernel.check_part = lambda part: None
show_check = show_overfit = lambda *args: types.SimpleNamespace(passed=True, failed=False)
small_rnn_solver = small_lstm_solver = None   # the stubs cannot train
'''


def insert_cell(notebook, index, source):
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, notebook)


def after_cell(notebook, grade_id):
    """Index just after the cell with this grade_id."""
    nb = nbformat.read(notebook, as_version=4)
    return 1 + next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


# Student-style corpus variants graded by nbgrader too: the same verdicts as the sandboxed grader.
CORPUS_STUDENTS = {"is_literal": "c03_is_rnn_dict_steps", "gate_order": "b03_gate_order_forward_and_backward"}


def corpus_variant(name):
    import importlib.util
    spec = importlib.util.spec_from_file_location("_e2e_materialize", TASK.folder / "grading" / "quality" / "corpus" / "materialize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, module.load_variant(TASK.folder / "grading" / "quality" / "corpus" /
                                       ("correct" if name.startswith("c") else "bugs") / (name + ".py"))


def make_submissions(course):
    for student, name in CORPUS_STUDENTS.items():
        module, variant = corpus_variant(name)
        folder = module.materialize(variant.path, ROOT / "release" / ASSIGNMENT, course.root / "variants" / name)
        course.submit_with_package(student, folder / "captioning")
    course.submit_with_package("good", SOLUTIONS_PACKAGE)
    course.submit("untouched")
    bug = course.submit_with_package("bug", SOLUTIONS_PACKAGE)
    layers = bug / "captioning" / "rnn_layers.py"
    text = layers.read_text()
    assert text.count(CORRECT_LINE) == 1
    layers.write_text(text.replace(CORRECT_LINE, BUGGY_LINE))
    # A correct package, but a cell of the RNN notebook kills the kernel
    # after the first test cell has passed.
    dead = course.submit_with_package("dead", SOLUTIONS_PACKAGE)
    notebook = dead / "RNN_Captioning.ipynb"
    insert_cell(notebook, after_cell(notebook, "rnn_step_forward"), "import os\nos._exit(1)")
    # The untouched stubs, with every in-kernel check forged.
    forger = course.submit("forger")
    for name in ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb"):
        insert_cell(forger / name, after_cell(forger / name, "setup"), FORGERY)


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory, synthetic_data_dir):
    """The course after generate_assignment, autograde (every student) and generate_feedback."""
    def autograde(root):
        course = make_course_copy(root / "course")
        course.generate_assignment()
        make_submissions(course)
        autograde = course.nbgrader("autograde", ASSIGNMENT, "--create", "--force", check=False)
        feedback = course.nbgrader("generate_feedback", ASSIGNMENT, "--force", check=False)
        return {"returncode": autograde.returncode, "stderr": autograde.stderr, "feedback_stderr": feedback.stderr}
    root, log = once_for_all_workers(tmp_path_factory, "nbgrader_e2e", autograde)
    return Course(root / "course"), log


def cell_scores(course, student):
    """{grade_id: auto_score} of every automatic part, from the real gradebook."""
    with Gradebook(course.gradebook_url) as gb:
        scores = {}
        for notebook in gb.find_submission(ASSIGNMENT, student).notebooks:
            for grade in notebook.grades:
                if grade.name in AUTO_POINTS:
                    scores[grade.name] = grade.auto_score
        return scores


@pytest.mark.slow
def test_solutions_package_gets_every_automatic_point(graded_course):
    course, _ = graded_course
    assert cell_scores(course, "good") == AUTO_POINTS


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(CORPUS_STUDENTS))
def test_corpus_variants_get_the_declared_verdicts_from_nbgrader(graded_course, student):
    """`self.cell_type is 'rnn'` works in the notebook's kernel; a consistent gate-order
    mistake costs the step and the parts that use it, not the composites that loop
    over it (error carried forward, in the notebook's checks as in the grader's)."""
    course, _ = graded_course
    _, variant = corpus_variant(CORPUS_STUDENTS[student])
    scores = cell_scores(course, student)
    lost = {part for part, score in scores.items() if score < AUTO_POINTS[part]}
    assert lost == set(variant.loses)


@pytest.mark.slow
def test_untouched_release_gets_zero(graded_course):
    course, _ = graded_course
    scores = cell_scores(course, "untouched")
    assert set(scores) == set(AUTO_POINTS) and sum(scores.values()) == 0


@pytest.mark.slow
def test_one_function_bug_costs_that_part_only(graded_course):
    """rnn_backward without the tanh derivative, graded in nbgrader's kernels: the loss and
    the training that use it are judged again with a correct one in its place, and keep
    their points (as in the kit's grader)."""
    course, _ = graded_course
    scores = cell_scores(course, "bug")
    lost = {part for part, score in scores.items() if score != AUTO_POINTS[part]}
    dependents = {p for p in PARTS if PARTS[p].kind == "auto" and BUGGY_PART in upstream_closure(p, PARTS)}
    assert dependents == {"rnn_loss", "overfit_rnn"}
    assert lost == {BUGGY_PART}
    assert 0 <= scores[BUGGY_PART] < AUTO_POINTS[BUGGY_PART]
    assert all(scores[part] == AUTO_POINTS[part] for part in dependents)


@pytest.mark.slow
def test_dead_kernel_is_reported_and_costs_its_whole_notebook(graded_course):
    """nbgrader logs the kernel death with the student's folder, exits 1 and
    deletes the student's autograded copy (so no feedback). The notebook whose
    kernel died gets no point, not even for the test cell that passed before
    the death; the notebook nbgrader graded before it (LSTM_Captioning: it
    goes alphabetically) keeps its points."""
    course, log = graded_course
    assert log["returncode"] != 0
    assert "Kernel died" in log["stderr"]
    assert re.search(r"error processing assignment: .*submitted/dead/%s" % ASSIGNMENT, log["stderr"])
    assert not course.folder("autograded", "dead").exists()
    assert not course.folder("feedback", "dead").exists()
    scores = cell_scores(course, "dead")
    died_in = {part: score for part, score in scores.items() if PARTS[part].notebook == "RNN_Captioning"}
    graded_before = {part: score for part, score in scores.items() if PARTS[part].notebook == "LSTM_Captioning"}
    assert not any(died_in.values()) and "rnn_step_forward" in died_in
    assert graded_before == {p: AUTO_POINTS[p] for p in graded_before}
    # The other students of the same run were graded all the same.
    assert cell_scores(course, "good") == AUTO_POINTS


@pytest.mark.slow
def test_kit_grader_grades_the_dead_kernel_submission(graded_course, tmp_path):
    """The kit's grader never runs the notebooks: the correct package gets every point."""
    course, _ = graded_course
    results = run_kit_grader(course.folder("submitted", "dead"), tmp_path / "dead")
    assert results["score"] == sum(AUTO_POINTS.values())


def hidden_lines():
    lines = set()
    for name in ("RNN_Captioning", "LSTM_Captioning"):
        nb = nbformat.read(ROOT / "source" / ASSIGNMENT / (name + ".ipynb"), as_version=4)
        for cell in nb.cells:
            inside = False
            for line in cell.source.splitlines():
                if BEGIN_HIDDEN in line:
                    inside = True
                elif END_HIDDEN in line:
                    inside = False
                elif inside and len(line.strip()) > 12:
                    lines.add(line.strip())
    return lines


@pytest.mark.slow
def test_feedback_html_holds_no_hidden_test_line(graded_course):
    course, _ = graded_course
    secret = hidden_lines()
    assert any("check_part" in line for line in secret)
    pages = list((course.root / "feedback").glob("*/%s/*.html" % ASSIGNMENT))
    assert {p.parent.parent.name for p in pages} >= {"good", "untouched", "bug", "forger"}
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        assert "HIDDEN TESTS" not in text and not [line for line in secret if line in text], page


# ---------------------------------------------------------------------------
# The sandboxed grader's scores into the gradebook
# ---------------------------------------------------------------------------

def run_kit_grader(submission, out):
    proc, results = run_grader(submission, out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return results


def import_grades(*args):
    return subprocess.run([sys.executable, "-m", "nbgrader_bridge", "import-grades", *args,
                           "--assignment", ASSIGNMENT], cwd=ROOT, capture_output=True, text=True, timeout=300)


def exported_scores(course, db_url, tmp_path):
    """{student: score} from `nbgrader export` on the gradebook at db_url."""
    out = tmp_path / "grades.csv"
    course.nbgrader("export", "--db", db_url, "--to", str(out))
    with open(out, newline="") as f:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}


@pytest.fixture
def gradebook_copy(graded_course, tmp_path):
    """A private copy of the autograded gradebook (tests may run in parallel)."""
    course, _ = graded_course
    copy = tmp_path / "gradebook.db"
    shutil.copy(course.root / "gradebook.db", copy)
    return "sqlite:///" + str(copy)


@pytest.fixture(scope="session")
def forger_results(graded_course, tmp_path_factory):
    course, _ = graded_course
    out = tmp_path_factory.mktemp("forger_graded")
    return out, run_kit_grader(course.folder("submitted", "forger"), out)


@pytest.mark.slow
def test_import_replaces_forged_in_kernel_scores_and_export_shows_the_grader_totals(
        graded_course, gradebook_copy, forger_results, tmp_path):
    course, _ = graded_course
    before = exported_scores(course, gradebook_copy, tmp_path)
    manual_before = manual_grades(gradebook_copy, "forger")
    # The forgery fools nbgrader's in-kernel checks completely ...
    assert before["forger"] == sum(AUTO_POINTS.values())
    # ... not the sandboxed grader.
    out, results = forger_results
    assert results["score"] == 0
    proc = import_grades(str(out), "--student", "forger", "--db", gradebook_copy)
    assert proc.returncode == 0, proc.stderr
    assert ("forger: 0 / %g automatic points imported into %d autograder cells"
            % (sum(AUTO_POINTS.values()), len(AUTO_POINTS))) in proc.stdout
    after = exported_scores(course, gradebook_copy, tmp_path)
    assert after["forger"] == results["score"]
    assert after["good"] == before["good"]
    assert manual_grades(gradebook_copy, "forger") == manual_before    # formgrader's business


def manual_grades(db_url, student):
    with Gradebook(db_url) as gb:
        return {grade.name: (grade.auto_score, grade.manual_score, grade.needs_manual_grade)
                for notebook in gb.find_submission(ASSIGNMENT, student).notebooks
                for grade in notebook.grades if PARTS[grade.name].kind == "manual"}


@pytest.mark.slow
def test_batch_import_reports_broken_entries_zeroes_them_and_imports_the_rest(
        graded_course, gradebook_copy, forger_results, graded_solutions, tmp_path):
    """Every student ends with the sandboxed grader's score or a 0 that says why: never the
    score their kernel gave them (good's and the others' in-kernel full marks are replaced)."""
    course, _ = graded_course
    batch = tmp_path / "batch"
    shutil.copytree(forger_results[0], batch / "forger")
    # "untouched" got 0 from nbgrader; the solutions' grade lands on it.
    shutil.copytree(graded_solutions["out"], batch / "untouched")
    (batch / "broken").mkdir()                             # the grader never finished
    shutil.copytree(graded_solutions["out"], batch / "ghost")  # not a student of the gradebook yet
    odd = dict(graded_solutions["results"])
    odd["tests"] = [dict(t, extra_data=dict(t["extra_data"], part="no_such_part")) if i == 0 else t
                    for i, t in enumerate(odd["tests"])]
    (batch / "good").mkdir()
    (batch / "good" / "results.json").write_text(json.dumps(odd))   # a part the rubric lacks
    shutil.copytree(graded_solutions["out"], batch / "unread")     # grade-batch could not read it
    (batch / "unread" / "status.json").write_text(json.dumps({"status": "unreadable", "reason": "empty zip"}))
    (batch / "similarity").mkdir()                                 # grade-batch --similarity's report
    (batch / "similarity" / "similarity.csv").write_text("a,b,score\n")

    proc = import_grades(str(batch), "--db", gradebook_copy)
    assert proc.returncode == 1
    assert re.search(r"broken: NOT imported, scored 0: .*results.json is missing", proc.stderr)
    assert re.search(r"good: NOT imported, scored 0: .*not automatic parts of the rubric: no_such_part",
                     proc.stderr)
    assert re.search(r"unread: NOT imported, scored 0: not graded by grade-batch \(unreadable: empty zip\)",
                     proc.stderr)
    assert "similarity" not in proc.stderr and "ghost: NOT" not in proc.stderr
    # the gradebook's other students have no folder in the batch: zeroed, each named
    others = sorted(set(CORPUS_STUDENTS) | {"bug", "dead"})
    for student in others:
        assert re.search(r"%s: NOT imported, scored 0: no folder %s in " % (student, student), proc.stderr)
    assert "3 of %d students imported" % (6 + len(others)) in proc.stdout
    scores = exported_scores(course, gradebook_copy, tmp_path)
    assert scores["untouched"] == scores["ghost"] == graded_solutions["results"]["score"] == sum(AUTO_POINTS.values())
    assert all(scores[student] == 0 for student in ["forger", "good", "broken", "unread"] + others), scores
    with Gradebook(gradebook_copy) as gb:
        comments = {c.auto_comment for nb in gb.find_submission(ASSIGNMENT, "good").notebooks for c in nb.comments}
    assert comments and all("no_such_part" in c for c in comments)

    # --known-students-only reports a student the gradebook lacks and writes nothing for them
    (batch / "stranger").mkdir()
    shutil.copy(graded_solutions["out"] / "results.json", batch / "stranger")
    proc = import_grades(str(batch), "--db", gradebook_copy, "--student", "stranger", "--known-students-only")
    assert proc.returncode == 1
    assert re.search(r"stranger: NOT imported, nothing written: student stranger is not in the gradebook",
                     proc.stderr)
    assert "stranger" not in exported_scores(course, gradebook_copy, tmp_path)


@pytest.mark.slow
def test_import_creates_a_missing_student_and_submission(graded_course, gradebook_copy, graded_solutions,
                                                         tmp_path):
    course, _ = graded_course
    proc = import_grades(str(graded_solutions["out"]), "--student", "late", "--db", gradebook_copy)
    assert proc.returncode == 0, proc.stderr
    assert exported_scores(course, gradebook_copy, tmp_path)["late"] == graded_solutions["results"]["score"]


@pytest.mark.slow
def test_import_refuses_an_unknown_assignment(gradebook_copy, graded_solutions):
    proc = subprocess.run([sys.executable, "-m", "nbgrader_bridge", "import-grades", str(graded_solutions["out"]),
                           "--assignment", "other_assignment", "--db", gradebook_copy],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "nothing imported" in proc.stderr and "other_assignment" in proc.stderr

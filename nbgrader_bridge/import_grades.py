"""Import the sandboxed grader's per-part scores into nbgrader's gradebook.db.

nbgrader's own autograde scores come from checks that ran in the student's
kernel, where student code can forge them. This writes the kit grader's
scores (`python -m autograder grade` / `grade-batch`) over them: each
automatic part's score becomes the auto_score of the autograder cell whose
grade_id is the part id, in the part's notebook (rubric.json). Manual parts
(inline questions) are left to formgrader.

Only nbgrader's own API (nbgrader.api.Gradebook) touches the database. Each
student is checked completely before anything is written, so a broken entry
changes nothing for that student and the rest of the batch goes on.
"""
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograder import assignment
from autograder.batch_status import read_status
from autograder.scoring import part_scores
from similarity.report import TABLE_NAME as SIMILARITY_TABLE

SCORE_SLACK = 1e-6   # results.json rounds shares to 4 decimals; they add up to the points


class ImportProblem(Exception):
    """Why one student's results cannot be imported (shown as is)."""


@dataclass
class Imported:
    student: str
    score: float = 0.0
    max_score: float = 0.0
    cells: int = 0
    error: str = None
    notes: tuple = ()


def results_files(results, student=None):
    """{student: results.json path} for one grade folder (RESULTS/results.json) or a
    batch folder (one sub-folder per student, as grade-batch writes)."""
    path = Path(results)
    if path.is_file() and path.name == "results.json":
        path = path.parent
    if (path / "results.json").is_file():
        return {student or path.resolve().name: path / "results.json"}
    if not path.is_dir():
        raise ImportProblem("%s is neither a grade folder (with results.json) nor a batch folder" % path)
    # grade-batch --similarity writes its report in a sub-folder of the batch: not a student.
    found = {p.name: p / "results.json" for p in sorted(path.iterdir())
             if p.is_dir() and not (p / SIMILARITY_TABLE).is_file()}
    if student is not None:
        if student not in found:
            raise ImportProblem("no folder %s/%s in the batch folder" % (path, student))
        found = {student: found[student]}
    if not found:
        raise ImportProblem("%s holds no results.json and no student folders" % path)
    return found


def read_scores(results_path):
    """{part id: score} from one results.json (the grader's per-test rows carry their part). A
    batch's submission that was not graded (unreadable, grader error) is refused, never a zero."""
    status = read_status(results_path.parent)
    if status is not None and not status.graded:
        raise ImportProblem("not graded by grade-batch (%s%s); nothing imported"
                            % (status.status, ": " + status.reason if status.reason else ""))
    if not results_path.is_file():
        raise ImportProblem("%s is missing (the grader did not finish for this student?)" % results_path)
    try:
        results = json.loads(results_path.read_text())
        return part_scores(results)
    except (ValueError, KeyError, TypeError) as exc:
        raise ImportProblem("%s is not a results.json of the kit's grader (%s: %s)"
                            % (results_path, type(exc).__name__, exc))


def planned_cells(gb, assignment, scores, auto_parts):
    """[(part, notebook, score)] after checking every part against the rubric and the gradebook."""
    unknown = sorted(set(scores) - set(auto_parts))
    if unknown:
        raise ImportProblem("results.json has parts that are not automatic parts of the rubric: %s"
                            % ", ".join(unknown))
    missing = [part for part in auto_parts if part not in scores]
    if missing:
        raise ImportProblem("results.json has no score for %s (graded with -k? grade every part)"
                            % ", ".join(missing))
    cells = []
    for part, notebook in auto_parts.items():
        try:
            cell = gb.find_grade_cell(part, notebook, assignment)
        except MissingEntry:
            raise ImportProblem("the gradebook has no autograder cell %s in notebook %s of %s "
                                "(regenerate the assignment with this rubric)" % (part, notebook, assignment))
        score = float(scores[part])
        if not -SCORE_SLACK <= score <= cell.max_score + SCORE_SLACK:
            raise ImportProblem("%s: score %g is outside 0..%g, the cell's points" % (part, score, cell.max_score))
        cells.append((part, notebook, min(max(score, 0.0), cell.max_score)))
    return cells


def ensure_student(gb, student, create_students):
    try:
        gb.find_student(student)
    except MissingEntry:
        if not create_students:
            raise ImportProblem("student %s is not in the gradebook (add them with "
                                "`nbgrader db student add %s`, or pass --create-students)" % (student, student))
        gb.update_or_create_student(student)


def import_student(gb, assignment, student, results_path, auto_parts, create_students=False):
    """Write one student's scores; returns Imported (error set, nothing written, when it cannot)."""
    try:
        cells = planned_cells(gb, assignment, read_scores(results_path), auto_parts)
        ensure_student(gb, student, create_students)
        try:
            gb.find_submission(assignment, student)
        except MissingEntry:
            # nbgrader's add_submission trips SQLAlchemy's autoflush warnings
            # (harmless: it adds the objects itself right after); keep them off the console.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*not in session")
                gb.add_submission(assignment, student)
        overridden = []
        for part, notebook, score in cells:
            try:
                grade = gb.find_grade(part, notebook, assignment, student)
            except MissingEntry:
                raise ImportProblem("the submission in the gradebook has no grade for %s in %s "
                                    "(autograde it again with --force)" % (part, notebook))
            grade.auto_score = score
            grade.needs_manual_grade = False
            if grade.manual_score is not None:
                # nbgrader shows a formgrader override instead of auto_score: say so, keep it.
                overridden.append(part)
        gb.db.commit()
    except ImportProblem as exc:
        gb.db.rollback()
        return Imported(student, error=str(exc))
    except Exception as exc:  # one student's surprise must not stop the batch
        gb.db.rollback()
        return Imported(student, error="unexpected %s: %s" % (type(exc).__name__, exc))
    notes = tuple("%s keeps its manual score from formgrader (it overrides the imported score)" % part
                  for part in overridden)
    return Imported(student, sum(c[2] for c in cells), sum(gb.find_grade_cell(p, n, assignment).max_score
                                                           for p, n, _ in cells), len(cells), None, notes)


def automatic_parts(assignment_id):
    """{part id: notebook} of the rubric's automatic parts."""
    task = assignment.load()
    if assignment_id != task.id:
        raise ImportProblem("the kit's rubric is for assignment %s, not %s" % (task.id, assignment_id))
    return {part.id: part.notebook for part in task.auto_parts}


def import_grades(results, assignment, db_url, student=None, create_students=False):
    """Import one grade folder or a batch; returns [Imported], one per student."""
    files = results_files(results, student)
    auto_parts = automatic_parts(assignment)
    with Gradebook(db_url) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise ImportProblem("assignment %s is not in %s (run `nbgrader generate_assignment %s` first)"
                                % (assignment, db_url, assignment))
        return [import_student(gb, assignment, name, path, auto_parts, create_students)
                for name, path in files.items()]


def summary_line(imported):
    if imported.error:
        return "%s: NOT imported: %s" % (imported.student, imported.error)
    line = "%s: %g / %g automatic points imported into %d autograder cells" % (
        imported.student, imported.score, imported.max_score, imported.cells)
    return "\n".join([line] + ["  note: " + note for note in imported.notes])

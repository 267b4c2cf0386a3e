"""Import the sandboxed grader's per-part scores into nbgrader's gradebook.db.

nbgrader's own autograde scores come from checks that ran in the student's
kernel, where student code can forge them. This writes the kit grader's
scores (`python -m autograder grade` / `grade-batch`) over them: each
automatic part's score becomes the auto_score of the autograder cell whose
grade_id is the part id, in the part's notebook (rubric.json). Manual parts
(inline questions) are left to formgrader.

Every student is accounted for, so that no score from a student's kernel is
left in the gradebook: a student whose results cannot be imported (the
grader could not read the submission, a damaged results.json, a part
missing) gets 0 in every autograder cell, with the reason as the automatic
comment of the submission's answer cells, and is reported; so does, when a
whole batch folder is imported, every student of the gradebook with a
submission but no folder in it. Students the gradebook does not know yet (a
zip or an empty folder in submitted/, which `nbgrader autograde` passes
over) are added, unless known_students_only. Manual scores from formgrader
are never touched.

Only nbgrader's own API (nbgrader.api.Gradebook) touches the database. Each
student is checked completely before anything is written, so a broken entry
changes nothing for that student but its zero, and the rest of the batch goes on.
"""
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograder import assignment
from autograder.paths import KIT_ROOT
from autograder.batch_status import read_status
from autograder.scoring import part_scores
from similarity.report import TABLE_NAME as SIMILARITY_TABLE
from uploads.layout import resolve_assignment

SCORE_SLACK = 1e-6   # results.json rounds shares to 4 decimals; they add up to the points


class ImportProblem(Exception):
    """Why one student's results cannot be imported (shown as is)."""


@dataclass
class Imported:
    student: str
    score: float = 0.0
    max_score: float = 0.0
    cells: int = 0
    error: str = None                  # why the grader's scores were not imported
    notes: tuple = ()
    zeroed: bool = False               # error set, and every autograder cell now holds 0

    @property
    def imported(self):
        return self.error is None


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


def ensure_student(gb, student, known_students_only=False):
    try:
        gb.find_student(student)
    except MissingEntry:
        if known_students_only:
            raise ImportProblem("student %s is not in the gradebook (add them with "
                                "`nbgrader db student add %s`, or leave out --known-students-only)"
                                % (student, student))
        gb.update_or_create_student(student)


def ensure_submission(gb, assignment, student):
    try:
        return gb.find_submission(assignment, student)
    except MissingEntry:
        # nbgrader's add_submission trips SQLAlchemy's autoflush warnings
        # (harmless: it adds the objects itself right after); keep them off the console.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*not in session")
            return gb.add_submission(assignment, student)


def import_student(gb, assignment, student, results_path, auto_parts, known_students_only=False):
    """Write one student's scores; returns Imported. When they cannot be imported, nothing of
    them is written and every autograder cell of the student gets 0 (zero_student)."""
    try:
        cells = planned_cells(gb, assignment, read_scores(results_path), auto_parts)
        ensure_student(gb, student, known_students_only)
        ensure_submission(gb, assignment, student)
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
        return zero_student(gb, assignment, student, auto_parts, str(exc), known_students_only)
    except Exception as exc:  # one student's surprise must not stop the batch
        gb.db.rollback()
        return zero_student(gb, assignment, student, auto_parts, "unexpected %s: %s" % (type(exc).__name__, exc),
                            known_students_only)
    notes = tuple("%s keeps its manual score from formgrader (it overrides the imported score)" % part
                  for part in overridden)
    return Imported(student, sum(c[2] for c in cells), sum(gb.find_grade_cell(p, n, assignment).max_score
                                                           for p, n, _ in cells), len(cells), None, notes)


def zero_student(gb, assignment, student, auto_parts, reason, known_students_only=False):
    """0 in every autograder cell of the student (an in-kernel score never stands), the reason
    as the automatic comment of their answer cells; returns Imported with error=reason."""
    comment = "Automatic parts scored 0: the sandboxed grader's scores could not be imported (%s)." % reason
    try:
        try:
            gb.find_student(student)
        except MissingEntry:
            if known_students_only:
                return Imported(student, error=reason)         # not in the gradebook: no score to replace
            gb.update_or_create_student(student)
        submission = ensure_submission(gb, assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name in auto_parts:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
            for answer in notebook.comments:
                answer.auto_comment = comment
        gb.db.commit()
    except Exception as exc:  # the zero itself failed: say so, the batch goes on
        gb.db.rollback()
        return Imported(student, error="%s; scoring 0 failed too (%s: %s)" % (reason, type(exc).__name__, exc))
    return Imported(student, error=reason, zeroed=True)


def students_without_results(gb, assignment, imported):
    """Students of the gradebook with a submission of the assignment that is not among imported."""
    return sorted({s.student.id for s in gb.assignment_submissions(assignment)} - set(imported))


def automatic_parts(assignment_id):
    """{part id: notebook} of the rubric's automatic parts of the nbgrader assignment
    assignment_id: source/<assignment_id>/ when there is one, else the kit's default."""
    try:
        task = assignment.load(resolve_assignment(assignment_id, KIT_ROOT))
    except LookupError:
        try:
            task = assignment.load()
        except RuntimeError as exc:
            raise ImportProblem(str(exc))
    if assignment_id != task.id:
        raise ImportProblem("the kit's rubric is for assignment %s, not %s" % (task.id, assignment_id))
    return {part.id: part.notebook for part in task.auto_parts}


def import_grades(results, assignment, db_url, student=None, known_students_only=False):
    """Import one grade folder or a batch; returns [Imported], one per student of the batch, then
    (for a whole batch folder) one per gradebook student with a submission but no results."""
    files = results_files(results, student)
    whole_batch = student is None and not (Path(results) / "results.json").is_file() \
        and Path(results).name != "results.json"
    auto_parts = automatic_parts(assignment)
    with Gradebook(db_url) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise ImportProblem("assignment %s is not in %s (run `nbgrader generate_assignment %s` first)"
                                % (assignment, db_url, assignment))
        outcomes = [import_student(gb, assignment, name, path, auto_parts, known_students_only)
                    for name, path in files.items()]
        if whole_batch:
            missing = "no folder %s in %s: the sandboxed grader did not grade this submission"
            outcomes += [zero_student(gb, assignment, name, auto_parts, missing % (name, results))
                         for name in students_without_results(gb, assignment, files)]
        return outcomes


def summary_line(imported):
    if imported.error:
        return "%s: NOT imported, %s: %s" % (imported.student, "scored 0" if imported.zeroed else "nothing written",
                                            imported.error)
    line = "%s: %g / %g automatic points imported into %d autograder cells" % (
        imported.student, imported.score, imported.max_score, imported.cells)
    return "\n".join([line] + ["  note: " + note for note in imported.notes])

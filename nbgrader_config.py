"""nbgrader configuration of the captioning course; the repo root is the course root.

Steps are nbgrader's standard ones: source/ -> release/ -> submitted/ ->
autograded/ -> feedback/. `make build` runs generate_assignment through
nbgrader's API with this file; `nbgrader generate_assignment rnn_captioning
--force` from the repo root gives the same release/.

Settings that close nbgrader's known holes (see the README):
- .py solutions: generate_assignment copies non-notebook files verbatim
  (nbgrader #1237); a hook stubs their solution regions and refuses to leave a
  marker behind (build_assignment/nbgrader_hooks.py).
- exclude_overwriting: autograde copies every source file over the student's
  copy (nbgrader #940). Every file that can carry a solution (those with
  solution markers: captioning/rnn_layers.py and captioning/classifiers/rnn.py)
  keeps the student's version. The provided files (layers, optim, solver,
  gradient_check, public_checks, data utilities, selfcheck) are deliberately
  restored from source: students do not edit them, and a tampered copy (say a
  public_checks.py that always passes) is replaced by the trusted one.
- missing test cells are added back (OverwriteCells.add_missing_cells, with
  nbgrader's placement bug fixed: RestoreMissingCells).
- Execute.timeout is per cell and set well above the overfitting cells' time.
- Warnings on stderr (a numpy RuntimeWarning from correct code) are dropped
  before grading, so they cannot zero a test cell; errors still fail it.
- The feedback HTML never shows hidden tests (nbgrader #917): see
  RedactHiddenTests.
"""
import os
import sys
import warnings

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

# Kernels inherit this: one BLAS thread per kernel, as in the kit's sandbox.
# With two threads fighting for the cores, autograde times swung tenfold.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
if COURSE_ROOT not in sys.path:
    sys.path.insert(0, COURSE_ROOT)
# Kernels inherit this too: a hidden test cell imports the kit's in-kernel
# checks (nbgrader_bridge.in_kernel) from the course root, in one line.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [COURSE_ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != COURSE_ROOT])

from autograder.assignment import load as load_assignment  # noqa: E402
from build_assignment.nbgrader_hooks import install_release_stubs, package_rename_hook  # noqa: E402
from nbgrader_bridge.preprocessors import RedactHiddenTests, RenamePackage, RestoreMissingCells  # noqa: E402
from nbgrader.converters import GenerateAssignment  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    CheckCellMetadata, ClearOutput, DeduplicateIds, GetGrades, OverwriteKernelspec)
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402

c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.solution_directory = "solution"
# Never copied around: caches, checkpoints and local copies of the data.
# grading/ is the assignment's hidden side: it never leaves source/.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "datasets", ".pytest_cache", "grading"]

# --- .py solutions never reach release/ (nbgrader #1237) --------------------
install_release_stubs()
# The course's name for the student package (rubric.json "package") in release/.
# Notebooks are renamed before nbgrader records their cells (the gradebook's
# copies go back into every submission at autograde); the hook renames the
# package folder and the other files after.
c.GenerateAssignment.preprocessors = [RenamePackage] + GenerateAssignment.class_traits()["preprocessors"].default()
c.GenerateAssignment.post_convert_hook = package_rename_hook(os.path.join(COURSE_ROOT, "release"))


# --- the student's code is what gets graded (nbgrader #940) -----------------
ASSIGNMENT = load_assignment()
STUDENT_EDITED = sorted(ASSIGNMENT.graded_paths)
c.Autograde.exclude_overwriting = {ASSIGNMENT.id: STUDENT_EDITED}

# --- deleted test cells come back -------------------------------------------
# nbgrader's own OverwriteCells crashes on a deleted test cell that follows a
# locked cell (KeyError: the whole submission fails); RestoreMissingCells is
# the same preprocessor with that fixed, in nbgrader's default sanitize order.
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                      RestoreMissingCells, CheckCellMetadata]

# --- time per cell ------------------------------------------------------------
# Measured with the reference on the 2-core machines: each overfitting cell
# takes 3-11 s (depending on load), every other cell under 1 s; an overfit
# test cell whose hidden check retrains takes about as long again. A typical
# student numpy LSTM is about 5x slower than the reference. 600 s is over 10x
# the slowest of these, and still stops an endless loop.
c.Execute.timeout = 600

# --- a warning on stderr is not a failure ------------------------------------
# nbgrader gives 0 to a test cell with any stderr output; drop the stream
# chunks that are Python warnings ("file.py:12: RuntimeWarning: ...") first.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?m)^.*:\d+: \w*Warning: "

# --- no noise that is not news ------------------------------------------------
# nbgrader 0.9.6's own gradebook code trips SQLAlchemy's autoflush warnings
# ("SAWarning: Object of type <SubmittedAssignment> not in session, add
# operation along ... will not proceed"), three per new student at autograde.
# Harmless: nbgrader adds those objects itself right after.
warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session")

# --- feedback never shows hidden tests (nbgrader #917) ----------------------
c.GenerateFeedback.preprocessors = [GetGrades, RedactHiddenTests, CSSHTMLHeaderPreprocessor]

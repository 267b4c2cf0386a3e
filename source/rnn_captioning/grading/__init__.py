"""The hidden side of the rnn_captioning assignment: what the engine grades and how.

Never copied to release/ or solutions/. The engine (autograder/) loads this
package through autograder.assignment.load(); rubric.json beside it holds the
points, the package name, the files students write and the policy.

- parts.py: the registry, every automatic part's checks
- layer_checks.py, model_checks.py, overfit_check.py: the checks
- public.py: the public package's modules (the notebook's signatures, inputs, diagnoses)
- cases.py: the hidden inputs;  tolerances.py: bounds and time budgets
- student.py: requests to the sandboxed child;  child_ops.py: their answers, inside it
- mutants.py: wrong implementations every check must catch
- replacements.py: a failing check judged again with the functions it calls, charged elsewhere, replaced
- notebook_diagnoses.py: the mistakes' results on the notebook's inputs, written into the package by the build
"""
from pathlib import Path

# The reference package's folder in source/<id>/ (release/ and solutions/ use rubric.json's "package").
SOURCE_PACKAGE = "captioning"
# Runs inside the sandbox as assignment_ops.py (nothing secret in it).
CHILD_OPS = Path(__file__).with_name("child_ops.py")
# The dataset the overfit checks read (datasets/<DATA_NAME>), and its files the grader needs.
DATA_NAME = "synthetic_captioning"
DATA_FILES = ("coco2014_captions.h5", "coco2014_vocab.json", "train2014_urls.txt", "val2014_urls.txt",
              "train2014_vgg16_fc7_pca.h5", "val2014_vgg16_fc7_pca.h5")
# The measures of this assignment's checks, one line each in the reports' "How to read the errors".
METRIC_HELP = {
    "rows that differ": ("rows that differ: sampled captions that differ from greedy decoding, each compared up "
                         "to the expected first <END>"),
}

# The registry comes after the settings above: its modules read them while it imports.
from .parts import declare  # noqa: E402,F401


def generated_files(assignment):
    """{path inside the package: text} the build writes into the source package: the
    typical mistakes' results on the notebook's inputs (notebook_diagnoses.py)."""
    from .notebook_diagnoses import FILE, text
    return {FILE: text(assignment.reference())}


def calibration_submission(reference_folder, dest):
    """A correct submission written unlike the reference, for autograder.calibrate."""
    from .classic import make_classic_correct
    return make_classic_correct(reference_folder, dest)


def calibration_appendix(training_seeds):
    """The overfit study appended to TOLERANCES.md by autograder.calibrate."""
    from .overfit_spread import overfit_spread, spread_markdown
    return spread_markdown(overfit_spread(training_seeds))

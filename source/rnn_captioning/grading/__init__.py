"""The hidden side of the rnn_captioning assignment: what the engine grades and how.

Never copied to release/ or solutions/. The engine (autograder/) loads this
package through autograder.assignment.load(); rubric.json beside it holds the
points, the package name, the files students write and the policy.

- settings.py: the package, the child operations, the data and the metric wording the engine reads
- parts.py: the registry, every automatic part's checks
- layer_checks.py, model_checks.py, overfit_check.py: the checks
- public.py: the public package's modules (the notebook's signatures, inputs, diagnoses)
- cases.py: the hidden inputs;  tolerances.py: bounds and time budgets
- cells.py: the two cell types in one table, and the reference's greedy decoding
- student.py: requests to the sandboxed child;  child_ops.py: their answers, inside it
- quality/: never shipped: the corpus, the mutants, calibration and TOLERANCES.md, the copy check's material
- replacements.py: a failing check judged again with the functions it calls, charged elsewhere, replaced
- notebook_diagnoses.py: the mistakes' results on the notebook's inputs, written into the package by the build
"""
from .parts import declare  # noqa: F401
from .settings import (CHILD_OPS, CURVE_WORDING, DATA_ENVIRONMENT, DATA_FILES, DATA_NAME, METRIC_HELP,  # noqa: F401
                       IN_KERNEL_ONCE, METRIC_KINDS, RUNTIME_DEPENDENCIES, SOURCE_PACKAGE)


def generated_files(assignment):
    """{path inside the package: text} the build writes into the source package: the
    typical mistakes' results on the notebook's inputs (notebook_diagnoses.py)."""
    from .notebook_diagnoses import FILE, text
    return {FILE: text(assignment.reference())}


def hint_catalogue():
    """{hint id: template} of every catalogued mistake, as the notebook words it
    (the class summary groups students by these)."""
    from .public import public_module
    return public_module("diagnosis").HINTS


def calibration_submission(reference_folder, dest):
    """A correct submission written unlike the reference, for autograder.calibrate."""
    from .quality.classic import make_classic_correct
    return make_classic_correct(reference_folder, dest)


def calibration_intro():
    """Where this assignment's bounds come from, under the title of TOLERANCES.md."""
    return ("The calibration submission is `CLASSIC_CORRECT` in `quality/classic.py`. Where the bounds come from: "
            "float64 comparisons with the reference use the notebook's elementwise relative error and the "
            "notebook's bounds (`check_data.TOLERANCES`); float32 results and finite differences use the "
            "scaled error max|a-b|/max|b| with the bounds in `grading/tolerances.py`; sampling must match "
            "exactly (hidden models are drawn so no greedy choice is a near tie: best-minus-second score "
            "> 1e-3).")


def calibration_appendix(training_seeds):
    """The overfit study appended to TOLERANCES.md by autograder.calibrate."""
    from .quality.overfit_spread import overfit_spread, spread_markdown
    return spread_markdown(overfit_spread(training_seeds))

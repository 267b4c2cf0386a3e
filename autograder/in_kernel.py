"""Hidden checks for nbgrader's autograder test cells, run inside the student's kernel.

MINIMAL PLACEHOLDER (written by the build/notebook helper so that the source
notebooks' hidden test regions can run): `check_part(part)` re-runs the
public check of `part` (or, for overfit_rnn / overfit_lstm, retrains the
overfitting model and checks its final loss) against the student's package
in the current directory, and raises AssertionError when it fails. It adds no
hidden inputs yet; the autograder owner extends it with the hidden cases.

Being in the student's kernel, it can be forged like any nbgrader test; the
kit's own grader (sandboxed, trusted comparisons) is the one to trust.
"""


def check_part(part):
    from captioning.public_checks import overfit_measurement, run_check, train_overfit_model

    if part.startswith("overfit_"):
        cell_type = part[len("overfit_"):]
        _, solver = train_overfit_model(cell_type)
        measurement = overfit_measurement(cell_type, solver.loss_history[-1])
        if not measurement.passed:
            raise AssertionError("%s: final loss %.4g is not below %g"
                                 % (part, measurement.value, measurement.bound))
        return
    outcome = run_check(part)
    if not outcome.passed:
        raise AssertionError("%s: %s" % (part, outcome.status))

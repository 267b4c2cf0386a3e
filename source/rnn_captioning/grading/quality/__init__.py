"""The assignment's quality side: what shows the checks are right, never shipped.

Nothing the grader imports lives here (the Gradescope bundle ships grading/ by
the import allow-list, so none of this reaches a grading image, and the kit's
version does not follow it):
- corpus/: student-style submissions, correct and buggy, with their declared verdicts
- mutants.py: wrong implementations every check must catch
- classic.py: a correct submission written unlike the reference (calibration)
- overfit_spread.py: the trainings' losses over training seeds (calibration)
- TOLERANCES.md: the measured margins of every tolerance (autograder.calibrate)
- similarity_baseline/, similarity_disguise.py: the copy check's common code and disguised copies
"""

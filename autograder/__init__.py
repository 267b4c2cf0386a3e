"""The kit's grading engine: `python -m autograder grade SUBMISSION --out DIR`.

It knows nothing of any particular assignment: it loads one (assignment.py)
and runs its registered checks against a sandboxed student process. See
autograder/README.md for the trust model as built and the module map.
"""

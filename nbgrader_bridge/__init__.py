"""The kit's nbgrader plumbing, in one place.

- `preprocessors`: the course's nbgrader preprocessors (feedback without
  hidden tests, deleted test cells restored), installed by nbgrader_config.py.
- `in_kernel`: the hidden checks nbgrader's autograder test cells run in the
  student's kernel.
- `import_grades`: `python -m nbgrader_bridge import-grades RESULTS ...` puts
  the sandboxed grader's per-part scores into nbgrader's gradebook.db.
- `course`: a temporary copy of the course on which the real `nbgrader`
  commands run (tests, benchmarks).
"""

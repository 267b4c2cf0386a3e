"""The kit's nbgrader plumbing.

- `course`: a temporary copy of the course on which the real `nbgrader`
  commands run (tests, benchmarks).
- `import_grades`: `python -m nbgrader_bridge import-grades RESULTS ...` puts
  the sandboxed grader's per-part scores into nbgrader's gradebook.db.
"""

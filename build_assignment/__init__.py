"""Build the student release and the solutions from source/: `python -m build_assignment`.

    python -m build_assignment                 # rebuild release/ and solutions/ in the repo
    python -m build_assignment --out DIR       # build into DIR/release, DIR/solutions
    python -m build_assignment --check         # build into a temp dir, compare with the committed copies
    python -m build_assignment --jobs 2        # execute the two notebooks side by side

Steps, one module each (build.py runs them in order, __main__.py is the command line):
  rubric.py      rubric.json's points written into the source notebooks (`sync points`)
  generated.py   files the hidden side computes for the public package, written into source/
  release.py     release/ through nbgrader's own generate_assignment (temporary gradebook)
  pystubs.py     .py solution regions -> TODO stubs, with nbgrader's ClearSolutions
  solutions.py   solutions/: marker lines and hidden tests removed
  hidden_tests.py  a cell's hidden tests removed as nbgrader does (also used by the feedback)
  execute.py     the solutions notebooks run top to bottom in a real kernel
  compare.py     what "the same build" means (below)
  nbgrader_hooks.py  the hook nbgrader_config.py installs into generate_assignment (.py stubs)

Determinism. release/ and every non-notebook file of solutions/ are byte-for-byte
functions of source/, and are compared exactly. The executed solutions notebooks
are compared on what matters: cell types, ids, sources and metadata, notebook
metadata, every code cell executed without an error, and the same PASS verdicts
of the visible checks. Their output numbers may change in the last digits
between machines and PNG bytes between matplotlib versions, so an exact
comparison would be flaky. To keep a second build from changing anything
committed, a freshly executed notebook that is equivalent in that sense to the
one already on disk is not rewritten: the existing file is kept.
"""

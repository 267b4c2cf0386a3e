"""The hidden-test regions of a notebook cell, removed the way nbgrader removes them.

The solutions and the feedback nbgrader_bridge writes both show notebooks
without hidden tests; this is the one place that does it.
"""
from nbgrader.preprocessors import ClearHiddenTests


def remove_hidden_tests(cell):
    """Remove the cell's hidden-test regions in place (nbgrader's public
    ClearHiddenTests, whatever the cell's metadata); returns whether it had one."""
    before = cell.source
    ClearHiddenTests(enforce_metadata=False).preprocess_cell(cell, {}, 0)
    return cell.source != before

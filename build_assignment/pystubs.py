"""Stub the solution regions of plain .py files with nbgrader's own ClearSolutions.

nbgrader only strips notebooks (nbgrader #1237); here each `### BEGIN SOLUTION`
... `### END SOLUTION` region of a .py file is wrapped in a throw-away code cell
and handed to `ClearSolutions(enforce_metadata=False, code_stub=...)`, with a
stub that names the enclosing function:

    # TODO: implement rnn_forward (its docstring gives the inputs, outputs and shapes).
    raise NotImplementedError("rnn_forward is not implemented yet")

nbgrader indents the stub like the BEGIN marker line, so it sits correctly
inside the function body.
"""
import ast

import nbformat
from nbgrader.preprocessors import ClearSolutions

from .paths import BEGIN_SOLUTION, END_SOLUTION


class SolutionRegionError(ValueError):
    pass


def stub_for(qualname):
    return ("# TODO: implement %s (its docstring gives the inputs, outputs and shapes).\n"
            'raise NotImplementedError("%s is not implemented yet")' % (qualname, qualname))


def solution_regions(lines):
    """(begin, end) line indices of every solution region; raises on nesting or a lost end."""
    regions, begin = [], None
    for i, line in enumerate(lines):
        if BEGIN_SOLUTION in line:
            if begin is not None:
                raise SolutionRegionError("nested BEGIN SOLUTION at line %d" % (i + 1))
            begin = i
        elif END_SOLUTION in line:
            if begin is None:
                raise SolutionRegionError("END SOLUTION without BEGIN at line %d" % (i + 1))
            regions.append((begin, i))
            begin = None
    if begin is not None:
        raise SolutionRegionError("BEGIN SOLUTION at line %d is never closed" % (begin + 1))
    return regions


def _enclosing_functions(tree):
    """(first line, last line, qualified name) of every function, 1-based."""
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                spans.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def enclosing_function(spans, lineno):
    inside = [s for s in spans if s[0] <= lineno <= s[1]]
    if not inside:
        return None
    return max(inside, key=lambda s: s[0])[2]   # the innermost: the latest start


def _clear(region_text, stub):
    cell = nbformat.v4.new_code_cell(region_text)
    clearer = ClearSolutions(enforce_metadata=False, code_stub={"python": stub})
    cell, _ = clearer.preprocess_cell(cell, {"language": "python"}, 0)
    return cell.source


def stub_python_source(text, filename="<file>"):
    """The release version of one .py file: every solution region replaced by its stub."""
    lines = text.split("\n")
    regions = solution_regions(lines)
    if not regions:
        return text
    spans = _enclosing_functions(ast.parse(text, filename))
    out, last = [], 0
    for begin, end in regions:
        qualname = enclosing_function(spans, begin + 1)
        if qualname is None:
            raise SolutionRegionError("%s:%d: a solution region outside any function cannot be "
                                      "stubbed" % (filename, begin + 1))
        out.extend(lines[last:begin])
        out.extend(_clear("\n".join(lines[begin:end + 1]), stub_for(qualname)).split("\n"))
        last = end + 1
    out.extend(lines[last:])
    result = "\n".join(out)
    ast.parse(result, filename)   # the stubbed file must still be valid Python
    return result


def strip_solution_markers(text):
    """The solutions version: the marker lines dropped, the bodies kept."""
    solution_regions(text.split("\n"))   # same structural checks as the release side
    return "\n".join(line for line in text.split("\n")
                     if BEGIN_SOLUTION not in line and END_SOLUTION not in line)

"""How the kit is put together: no import cycles, and a grading engine that
knows nothing of this assignment (everything assignment-specific lives in
source/<id>/, read through autograder.assignment).

    .venv/bin/python -m pytest tests/test_structure.py -q -s     # prints the import graph
"""
import ast
import io
import tokenize
from pathlib import Path

from helpers import ROOT

PACKAGES = ("autograder", "build_assignment", "nbgrader_bridge", "similarity", "uploads", "demo")
ASSIGNMENT_WORDS = ("rnn", "lstm", "caption")


def module_name(path):
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path):
    """The kit modules a file imports (absolute and relative)."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found |= {"%s.%s" % (base, alias.name) if base else alias.name for alias in node.names}
            found.add(base)     # kept only when no alias is a module of its own (see kit_graph)
    return found


def kit_graph():
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts]
    modules = {module_name(p): p for p in files}
    graph = {}
    for name, path in modules.items():
        imported = {m for m in imports_of(path) if m in modules and m != name}
        # `from . import sibling` loads the sibling, not (again) the package that holds it
        imported -= {m for m in imported if any(other.startswith(m + ".") for other in imported)}
        graph[name] = sorted(imported)
    return graph


def cycles(graph):
    found, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_the_kit_imports_have_no_cycle():
    graph = kit_graph()
    for name in sorted(graph):
        print("%-40s -> %s" % (name, ", ".join(graph[name]) or "-"))
    assert cycles(graph) == []


def code_words(path):
    """Names and strings of a file's code: comments and docstrings left out."""
    source = path.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            docstrings.add(node.body[0].lineno)
    words = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME or (token.type == tokenize.STRING and token.start[0] not in docstrings):
            words.append((token.start[0], token.string))
    return words


def test_the_engine_knows_nothing_of_this_assignment():
    """No name or string in autograder/'s code speaks of RNNs or captions; the
    assignment's parts, checks, cases and child operations are in source/<id>/grading."""
    offending = ["%s:%d %s" % (path.name, line, word) for path in sorted((ROOT / "autograder").glob("*.py"))
                 for line, word in code_words(path) if any(w in word.lower() for w in ASSIGNMENT_WORDS)]
    assert offending == []
    for path in (ROOT / "autograder").glob("*.py"):
        assert not any(m.startswith(("captioning", "grading", "source")) for m in imports_of(path)), path

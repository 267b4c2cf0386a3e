"""How the kit is put together: no import cycles, no folder that imports one
above it, and an engine that knows nothing of any assignment (everything
assignment-specific lives in source/<id>/, read through autograder.assignment
or, below the engine, uploads.layout).

    .venv/bin/python -m pytest tests/test_structure.py -q -s     # prints the import graph
"""
import ast
import io
import tomllib
import tokenize
from pathlib import Path

from autograder.assignment import load
from helpers import ROOT

PACKAGES = ("autograder", "build_assignment", "nbgrader_bridge", "similarity", "uploads", "demo")
ASSIGNMENT_WORDS = ("rnn", "lstm", "caption")
# The top-level folders from the bottom up: each may import only from its own
# floor and the ones below. An assignment (source/<id>/grading) plugs into the
# engine; the build and the nbgrader plumbing use both; demo and benchmarks use all.
FLOORS = ("uploads", "similarity", "autograder", "source", "build_assignment", "nbgrader_bridge",
          "demo", "benchmarks", "nbgrader_config")
# The engine: the folders that must work for any assignment.
ENGINE = ("uploads", "similarity", "autograder", "build_assignment", "nbgrader_bridge")
ASSIGNMENTS = sorted(p.parent.parent for p in (ROOT / "source").glob("*/grading/__init__.py")) + \
    [ROOT / "tests" / "fixtures" / "affine_assignment"]


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


def kit_files():
    """Every Python file of the kit's own code: its packages, the assignments' grading/
    packages, the benchmarks and nbgrader_config.py."""
    folders = [ROOT / package for package in PACKAGES + ("benchmarks",)]
    folders += [folder / "grading" for folder in ASSIGNMENTS if folder.is_relative_to(ROOT / "source")]
    files = [p for folder in folders for p in folder.rglob("*.py") if "__pycache__" not in p.parts]
    return files + [ROOT / "nbgrader_config.py"]


def kit_graph():
    files = kit_files()
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


def floor_of(module):
    return FLOORS.index(module.split(".")[0])


def test_no_folder_imports_from_a_folder_above_it():
    """E.g. similarity/ is used by autograder/, so it must not import autograder/;
    function-level imports count."""
    graph = kit_graph()
    upward = ["%s -> %s" % (name, imported) for name, imports in sorted(graph.items())
              for imported in imports if floor_of(imported) > floor_of(name)]
    assert upward == []
    assert any(name.startswith("source.") for name in graph), "the assignments' grading/ packages were not read"


def assignment_vocabulary(folder):
    """What names an assignment: its id, package, parts, notebooks, graded files,
    data and metrics (strings under four characters are left out)."""
    task = load(folder)
    words = {task.id, task.package} | set(task.parts) | set(task.notebooks)
    words |= {"%s.ipynb" % notebook for notebook in task.notebooks}
    for path in task.graded_files.values():
        words |= {path, Path(path).name, Path(path).stem, "%s/%s" % (task.package, path)}
    grading = task.grading
    words |= {getattr(grading, name) for name in ("DATA_NAME", "DATA_ENVIRONMENT") if hasattr(grading, name)}
    words |= set(getattr(grading, "DATA_FILES", ())) | set(getattr(grading, "METRIC_HELP", {}))
    words |= set(getattr(grading, "METRIC_KINDS", {}))
    return {word for word in words if len(word) > 3}


def string_constants(path):
    """(line, text) of every string constant of a file's code, docstrings left out."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def installed_commands():
    return tuple(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])


def engine_files():
    return [p for folder in ENGINE for p in sorted((ROOT / folder).rglob("*.py")) if "__pycache__" not in p.parts]


def test_the_engine_names_no_file_part_or_metric_of_any_assignment():
    """Read from each assignment itself (this one and the affine fixture), not a list of
    banned words: no string in the engine's code names what only an assignment knows."""
    vocabulary = set().union(*(assignment_vocabulary(folder) for folder in ASSIGNMENTS))
    assert {"rnn_layers.py", "overfit_rnn", "affine.py", "synthetic_captioning"} <= vocabulary
    offending = []
    for path in engine_files():
        for line, text in string_constants(path):
            for command in installed_commands():      # the kit's own commands are not the assignment's
                text = text.replace(command, "")
            offending += ["%s:%d %s" % (path.relative_to(ROOT), line, word) for word in sorted(vocabulary)
                          if word in text]
    assert offending == []


def test_the_engine_imports_nothing_of_an_assignment():
    packages = {load(folder).package for folder in ASSIGNMENTS} | {load(folder).source_package for folder in ASSIGNMENTS}
    for path in engine_files():
        imported = {name.split(".")[0] for name in imports_of(path)}
        assert not imported & (packages | {"source", "grading"}), path


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

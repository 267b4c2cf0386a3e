"""What the release gives every student: which functions are graded, the stub
statements inside them, and the provided helpers that must never count.

Read from the release of the assignment compared (subject.current()): a graded
function is one whose stub body raises NotImplementedError; every other
function or method of the graded files is a provided helper.
"""
import ast
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import subject as subjects


def statement_key(node):
    """A statement's identity for stub matching: its AST without positions."""
    return ast.dump(node, annotate_fields=False, include_attributes=False)


def is_not_implemented(node):
    return (isinstance(node, ast.Raise) and node.exc is not None
            and "NotImplementedError" in ast.unparse(node.exc))


def function_table(tree):
    """{qualified name: FunctionDef} of module-level functions and methods of module-level classes."""
    table = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            table[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    table["%s.%s" % (node.name, item.name)] = item
    return table


@dataclass
class ReleaseFile:
    role: str
    text: str
    graded: list                              # qualified names, in release order
    provided: set                             # qualified names of provided helpers
    stubs: dict = field(default_factory=dict)     # graded name -> its stub FunctionDef


def load_release(subject=None):
    """{role: ReleaseFile} from the subject's release folder (cached per process)."""
    return _load_release(subject or subjects.current())


@lru_cache(maxsize=4)
def _load_release(subject):
    files = {}
    for role in subject.roles:
        path = Path(subject.release_dir) / subject.path_in_folder(role)
        if not path.is_file():
            raise FileNotFoundError("the release of %s is not built (%s is missing): build it first"
                                    % (subject.layout.id, path))
        text = path.read_text(encoding="utf-8")
        table = function_table(ast.parse(text))
        graded, provided, stubs = [], set(), {}
        for name, node in table.items():
            if any(is_not_implemented(n) for n in ast.walk(node)):
                graded.append(name)
                stubs[name] = node
            else:
                provided.add(name)
        files[role] = ReleaseFile(role, text, graded, provided, stubs)
    return files


def is_docstring(node):
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def graded_names():
    """Every graded function, 'rnn_layers.py:rnn_forward' style, in release order."""
    return ["%s:%s" % (role, name) for role, f in load_release().items() for name in f.graded]

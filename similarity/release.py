"""What the release gives every student: which functions are graded, the stub
statements inside them, and the provided helpers that must never count.

Read from the kit's own release (release/rnn_captioning/captioning): a graded
function is one whose stub body raises NotImplementedError; every other
function or method of the two graded files (sigmoid, temporal_affine_*,
temporal_softmax_loss, CaptioningRNN.__init__) is a provided helper.
"""
import ast
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

try:
    from autograder.paths import RELEASE_DIR
except ImportError:  # the package used outside the kit's root
    RELEASE_DIR = Path(__file__).resolve().parents[1] / "release" / "rnn_captioning"

# The two graded files, by their role; a role is also the file's name.
LAYERS, MODEL = "rnn_layers.py", "rnn.py"
ROLES = (LAYERS, MODEL)
RELEASE_PATHS = {LAYERS: "captioning/rnn_layers.py", MODEL: "captioning/classifiers/rnn.py"}


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


@lru_cache(maxsize=4)
def load_release(release_dir=RELEASE_DIR):
    """{role: ReleaseFile} from the release folder (cached per process)."""
    files = {}
    for role in ROLES:
        text = (Path(release_dir) / RELEASE_PATHS[role]).read_text(encoding="utf-8")
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

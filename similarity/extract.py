"""Cut a graded file down to the code that is the student's own work.

Kept: the bodies of the graded functions and any function or method the
student added (helpers they call). Dropped: the module docstring, imports,
the provided helpers (sigmoid, temporal_*, CaptioningRNN.__init__) and any
other module-level statement. Nothing is imported or executed: the file is
parsed with `ast` only.

A file that does not parse is cut at its `def` lines instead; each function
that parses on its own is kept as a tree, the others as text (compared
without renaming, and the report says so).
"""
import ast
import re
import textwrap
from dataclasses import dataclass, field

from .release import function_table

# A function longer than this many lines is compared by its first lines only.
MAX_UNIT_LINES = 3000


@dataclass
class Unit:
    role: str                     # which graded file: rnn_layers.py or rnn.py
    name: str                     # qualified: rnn_forward, CaptioningRNN.loss
    graded: bool                  # a graded function (else a helper the student added)
    node: ast.AST = None          # the FunctionDef, line numbers already those of the file
    raw_lines: list = None        # [(line number, text)] when the function does not parse


@dataclass
class Extracted:
    role: str
    units: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _shift_lines(tree, offset):
    if offset:
        for node in ast.walk(tree):
            if hasattr(node, "lineno"):
                node.lineno += offset
                if getattr(node, "end_lineno", None) is not None:
                    node.end_lineno += offset
    return tree


def units_from_tree(tree, role, release_file):
    """Graded functions first (in release order), then the student's own helpers."""
    table = function_table(tree)
    units = [Unit(role, name, True, node=table[name]) for name in release_file.graded if name in table]
    for name, node in table.items():
        if name not in release_file.graded and name not in release_file.provided:
            units.append(Unit(role, name, False, node=node))
    return units


_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(", re.M)
_CLASS = re.compile(r"^class[ \t]+(\w+)", re.M)


def _chunks(text):
    """[(qualified name, first line number, chunk text)] cut at `def` lines."""
    lines = text.splitlines()
    classes = [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _CLASS.finditer(text)]
    out = []
    for match in _DEF.finditer(text):
        start = text.count("\n", 0, match.start())          # 0-based line index
        indent = len(match.group(1).expandtabs())
        end = start + 1
        while end < len(lines):
            line = lines[end]
            if line.strip() and not line.lstrip().startswith("#") and \
                    len(line) - len(line.lstrip()) <= indent and not line.lstrip().startswith((")", "]", "}")):
                break
            end += 1
        name = match.group(2)
        if indent:
            owner = [c for line_no, c in classes if line_no <= start + 1]
            name = "%s.%s" % (owner[-1] if owner else "?", name)
        out.append((name, start + 1, "\n".join(lines[start:end][:MAX_UNIT_LINES])))
    return out


def units_from_broken_text(text, role, release_file, notes):
    units = []
    for name, first_line, chunk in _chunks(text):
        if name in release_file.provided:
            continue
        graded = name in release_file.graded
        try:
            node = ast.parse(textwrap.dedent(chunk)).body[0]
            units.append(Unit(role, name, graded, node=_shift_lines(node, first_line - 1)))
        except (SyntaxError, ValueError, IndexError, RecursionError, MemoryError):
            raw = [(first_line + i, line) for i, line in enumerate(chunk.splitlines())]
            units.append(Unit(role, name, graded, raw_lines=raw))
            notes.append("%s does not parse: compared as written, without renaming" % name)
    order = {name: i for i, name in enumerate(release_file.graded)}
    units.sort(key=lambda u: (not u.graded, order.get(u.name, 0)))
    return units


def extract(text, role, release_file):
    """Extracted(role, units, notes) for one graded file's text."""
    result = Extracted(role)
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        result.notes.append("syntax error at line %s (%s)" % (exc.lineno, exc.msg))
        result.units = units_from_broken_text(text, role, release_file, result.notes)
        return result
    except (ValueError, RecursionError, MemoryError) as exc:
        result.notes.append("cannot be parsed: %s" % (type(exc).__name__,))
        result.units = units_from_broken_text(text, role, release_file, result.notes)
        return result
    result.units = units_from_tree(tree, role, release_file)
    return result

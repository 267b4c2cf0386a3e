"""Disguised copies of a submission, as plagiarists make them.

The copy check's test material for this assignment, never shipped to a
grading image. Used by tests/test_similarity.py and the similarity
benchmarks (through `assignment.grading_module("quality.similarity_disguise")`), and handy
to see what the detector sees through: `disguise_folder(src, dst, ["rename",
"reorder"])` writes a copy of the assignment folder src with the graded files
changed. Every disguise keeps the code's behaviour (the test suite runs the
kit's selfcheck on a copy with all of them applied).

    rename         every local variable of the graded functions gets another name
    strip_comments comments, docstrings and blank lines removed
    add_comments   a comment on every statement, 2-space indentation, blank lines
    reorder        adjacent independent statements swapped, functions in another order
    comprehension  loops rewritten as comprehensions and back, reversed(range) spelled out
    replace_one    lstm_backward (the largest) replaced by the student's own (OWN_LSTM_BACKWARD)
"""
import ast
import io
import keyword
import random
import re
import shutil
import textwrap
import tokenize
from pathlib import Path

from similarity.release import function_table, load_release

from .. import patching
from similarity.subject import current

LAYERS, MODEL = current().roles
RELEASE_PATHS = {role: current().path_in_folder(role) for role in (LAYERS, MODEL)}

KINDS = ("rename", "strip_comments", "add_comments", "reorder", "comprehension", "replace_one")
WORDS = ("alpha", "beta", "gamma", "delta", "theta", "kappa", "sigma", "omega", "tmp", "buf", "acc",
         "val", "res", "mat", "vec", "arr", "cur", "nxt", "grad", "state", "part", "item", "blk", "seg")


def _graded_nodes(text, role):
    table = function_table(ast.parse(text))
    return [table[name] for name in load_release()[role].graded if name in table]


def _params(fn):
    a = fn.args
    return {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs} | \
        {x.arg for x in (a.vararg, a.kwarg) if x is not None}


# ------------------------------------------------------------------ rename
def rename(text, role, seed=0):
    """Rename every local (not the parameters) of every graded function, token by token."""
    rng = random.Random(seed)
    spans = []
    for fn in _graded_nodes(text, role):
        locals_ = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        locals_ -= _params(fn)
        words = rng.sample(WORDS, len(WORDS))
        mapping = {name: "%s_%s%d" % (words[i % len(words)], name.lower().strip("_")[:1] or "x", i)
                   for i, name in enumerate(sorted(locals_))}
        spans.append((fn.lineno, fn.end_lineno, mapping))
    return _rename_tokens(text, spans)


def _rename_tokens(text, spans):
    lines = text.splitlines(keepends=True)
    edits = []
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        if tok.type != tokenize.NAME or keyword.iskeyword(tok.string):
            continue
        previous = tokens[i - 1] if i else None
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if previous is not None and previous.type == tokenize.OP and previous.string == ".":
            continue                                                  # an attribute
        if previous is not None and previous.string in ("def", "class"):
            continue                                                  # a definition's name
        if depth and following is not None and following.type == tokenize.OP and following.string == "=":
            continue                                                  # a keyword argument
        for first, last, mapping in spans:
            if first <= tok.start[0] <= last and tok.string in mapping:
                edits.append((tok.start, tok.end, mapping[tok.string]))
    for (row, col), (_, end_col), new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[end_col:]
    return "".join(lines)


# ---------------------------------------------------------------- comments
def strip_comments(text, role=None):
    """No comments, no docstrings, no blank lines inside functions."""
    tree = ast.parse(text)
    doc_lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) \
                and isinstance(node.body[0].value.value, str):
            doc_lines.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.start[1]
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if number in doc_lines:
            continue
        if number in comments:
            line = line[:comments[number]].rstrip()
        if line.strip():
            out.append(line)
    return "\n".join(out) + "\n"


def add_comments(text, role=None):
    """A comment over every statement of the graded functions, 2-space indentation, extra blank lines."""
    starts = set()
    for fn in _graded_nodes(text, role):
        for node in ast.walk(fn):
            if isinstance(node, ast.stmt) and node is not fn and not (
                    isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                starts.add(node.lineno)
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        indent = line[:len(line) - len(line.lstrip(" "))]
        if number in starts:
            out.append("")
            out.append(indent + "# %s" % ("next we compute this" if number % 2 else "update the values here"))
        out.append(line)
    # Re-indent 4 -> 2 spaces (the whole file, so blocks stay consistent).
    return "\n".join(re.sub(r"^((?:    )+)", lambda m: "  " * (len(m.group(1)) // 4), l) for l in out) + "\n"


# ----------------------------------------------------------------- reorder
def _simple_effects(stmt):
    reads = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    writes = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for n in ast.walk(stmt):
        if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name):
            writes.add(n.value.id)
    return reads, writes


def reorder(text, role=None):
    """Swap adjacent single-line assignments that are independent; move functions around."""
    lines = text.splitlines()
    swaps = []
    for fn in _graded_nodes(text, role):
        for node in ast.walk(fn):
            body = getattr(node, "body", None)
            if not isinstance(body, list):
                continue
            i = 0
            while i + 1 < len(body):
                a, b = body[i], body[i + 1]
                if all(isinstance(s, ast.Assign) and s.lineno == s.end_lineno for s in (a, b)) \
                        and b.lineno == a.lineno + 1:
                    (ra, wa), (rb, wb) = _simple_effects(a), _simple_effects(b)
                    if not (wa & (rb | wb) or wb & ra):
                        swaps.append(a.lineno)
                        i += 2
                        continue
                i += 1
    for number in swaps:
        lines[number - 1], lines[number] = lines[number], lines[number - 1]
    text = "\n".join(lines) + "\n"
    return _move_functions(text, role)


def _move_functions(text, role):
    """Put the last graded module-level function first (order of definitions is free in Python)."""
    tree = ast.parse(text)
    graded = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in load_release()[role].graded]
    if len(graded) < 2:
        return text
    lines = text.splitlines()
    last, first = graded[-1], graded[0]
    moved = lines[last.lineno - 1:last.end_lineno]
    rest = lines[:last.lineno - 1] + lines[last.end_lineno:]
    at = first.lineno - 1
    return "\n".join(rest[:at] + moved + ["", ""] + rest[at:]) + "\n"


# ----------------------------------------------------------- comprehension
# Rewrites of the kit's solutions (solutions/rnn_captioning): (function, before, after).
# Each is applied only where `before` is found; the test checks that some were.
COMPREHENSIONS = [
    ("rnn_forward",
     "    for t in range(T):\n"
     "        prev_h = np.tanh(x_proj[:, t] + prev_h @ Wh)\n"
     "        h[:, t] = prev_h\n",
     "    h[...] = np.stack([(prev_h := np.tanh(x_proj[:, t] + prev_h @ Wh)) for t in range(T)], axis=1)\n"),
    ("lstm_step_backward",
     "    da = np.concatenate([\n",
     "    da = np.concatenate([part for part in [\n"),
    ("lstm_step_backward",
     "        dc * i * (1 - g * g),\n    ], axis=1)",
     "        dc * i * (1 - g * g),\n    ]], axis=1)"),
    ("rnn_backward", "for t in reversed(range(T)):", "for t in range(T - 1, -1, -1):"),
    ("lstm_backward", "for t in reversed(range(T)):", "for t in range(T - 1, -1, -1):"),
]


def comprehension(text, role=None):
    for _, before, after in COMPREHENSIONS:
        text = text.replace(before, after)
    return text


def comprehension_applies(text):
    return [name for name, before, _ in COMPREHENSIONS if before in text]


# ------------------------------------------------------------- replace one
def replace_function(text, name, new_source):
    """Replace the top-level function or method `name` (qualified, e.g. "CaptioningRNN.loss")."""
    return patching.replace_function(text, name.rsplit(".", 1)[-1], new_source.rstrip("\n") + "\n")


def largest_graded(text, role):
    nodes = _graded_nodes(text, role)
    return max(nodes, key=lambda n: n.end_lineno - n.lineno).name if nodes else None


# A student's own lstm_backward for the solutions' cache layout
# (x, h0, Wx, Wh, h_steps, c, gates), written for replace_one: it calls the
# copied lstm_step_backward once per step instead of the solutions' fused loop.
OWN_LSTM_BACKWARD = '''
def lstm_backward(dh, cache):
    x, h0, Wx, Wh, h_steps, c, gates = cache
    T, N, H = h_steps.shape
    dx = np.zeros(x.shape, dtype=gates.dtype)
    dWx = np.zeros(Wx.shape, dtype=gates.dtype)
    dWh = np.zeros(Wh.shape, dtype=gates.dtype)
    db = np.zeros(4 * H, dtype=gates.dtype)
    grad_h = np.zeros((N, H), dtype=gates.dtype)
    grad_c = np.zeros((N, H), dtype=gates.dtype)
    for step in range(T - 1, -1, -1):
        h_before = h_steps[step - 1] if step > 0 else h0
        c_before = c[step - 1] if step > 0 else np.zeros_like(c[0])
        i, f, o, g = np.split(gates[step], 4, axis=1)
        step_cache = (x[:, step], h_before, c_before, Wx, Wh, i, f, o, g, np.tanh(c[step]))
        dx_step, grad_h, grad_c, dWx_step, dWh_step, db_step = lstm_step_backward(
            dh[:, step] + grad_h, grad_c, step_cache)
        dx[:, step] = dx_step
        dWx += dWx_step
        dWh += dWh_step
        db += db_step
    return dx, grad_h, dWx, dWh, db
'''


def replace_one(text, role, donor_text=None):
    """One graded function replaced by the student's own: lstm_backward by
    OWN_LSTM_BACKWARD, or, with donor_text, the largest graded function by the donor's."""
    if donor_text is None:
        if "def lstm_backward(" not in text:
            return text
        return replace_function(text, "lstm_backward", OWN_LSTM_BACKWARD.lstrip("\n"))
    name = largest_graded(text, role)
    donor = function_table(ast.parse(donor_text)).get(name) if name else None
    if donor is None:
        return text
    source = "\n".join(donor_text.splitlines()[donor.lineno - 1:donor.end_lineno]) + "\n"
    return replace_function(text, name, textwrap.dedent(source) if donor.col_offset else source)


# ------------------------------------------------------------------ folders
def disguise_text(text, role, kinds, donor_text=None, seed=0):
    for kind in kinds:
        if kind == "rename":
            text = rename(text, role, seed)
        elif kind == "replace_one":
            if role == LAYERS:
                text = replace_one(text, role, donor_text)
        elif kind in ("strip_comments", "add_comments", "reorder", "comprehension"):
            text = globals()[kind](text, role)
        else:
            raise ValueError("unknown disguise %r (known: %s)" % (kind, ", ".join(KINDS)))
    return text


def disguise_folder(source, dest, kinds, donor=None, seed=0):
    """Copy the assignment folder source to dest with the graded files disguised.

    donor: for replace_one, an assignment folder whose version of the largest
    graded function replaces the source's (default: OWN_LSTM_BACKWARD)."""
    source, dest = Path(source), Path(dest)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "datasets"))
    for role in (LAYERS, MODEL):
        path = dest / RELEASE_PATHS[role]
        donor_text = (Path(donor) / RELEASE_PATHS[role]).read_text() if donor else None
        path.write_text(disguise_text(path.read_text(), role, kinds, donor_text, seed))
    return dest

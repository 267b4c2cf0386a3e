"""Turn one function into a canonical text that hides what plagiarists change.

Each function becomes a list of Lines: one canonical statement (or block
header) each, with the original lines it came from. Applied in this order:

1. Drop docstrings and other bare strings, `pass`, `print(...)`, the stub's
   `raise NotImplementedError`, and the statements the release stub already
   holds (`next_h, cache = None, None`, `return next_h, cache`, ...).
   Comments and whitespace never reach the tree.
2. Rewrite equivalent spellings to one: `np.dot(a, b)`, `a.dot(b)`,
   `np.matmul(a, b)` -> `a @ b`; `np.sum(a, ...)` -> `a.sum(...)` (also mean,
   max, min, argmax, argmin, reshape); `np.transpose(a)`, `a.transpose()` ->
   `a.T`; `np.square(a)`, `a * a` -> `a ** 2`; `x[:, t, :]` -> `x[:, t]`;
   `1.0` -> `1`; `a += b` -> `a = a + b`; `range(T)[::-1]` and
   `range(T - 1, -1, -1)` -> `reversed(range(T))`; `a, b = x, y` -> two
   assignments; `out = []` + `for v in it: out.append(e)` -> `out = [e for v in it]`;
   operands of `+` and `*` chains sorted.
3. Order: in every block, statements that do not depend on each other
   (neither writes what the other reads or writes; stores into different
   slices of one array, `da[:, :H] = ...`, count as independent; calls that
   may mutate their receiver or arguments, returns and raises are barriers)
   are emitted smallest canonical text first, among those whose
   predecessors are out.
4. Rename: parameters become p0, p1, ... by position (the API fixes them);
   every other local is named after the value it first holds: v + a short
   hash of the canonical text of that value (value numbering). A renamed
   variable keeps its name, and so does every variable when statements are
   inserted or moved (numbering names by first use would shift them all);
   two solutions that compute different things get different names even
   where the statement shapes agree. Functions and methods the student added
   are all called F. Names that are not local (np, sigmoid, rnn_forward,
   attributes, dict keys) stay: they carry meaning.
"""
import ast
import copy
import hashlib
from collections import Counter
from dataclasses import dataclass

from .release import is_docstring, is_not_implemented, statement_key

# Blocks longer than this are not reordered (bounded time on hostile input).
MAX_SORTED_BLOCK = 200
# Blocks longer than this are ordered by keys computed once (each key costs a render).
MAX_RESORTED_BLOCK = 60
# Methods that never mutate their receiver: calling them is not a write.
PURE_METHODS = {
    "reshape", "sum", "mean", "max", "min", "argmax", "argmin", "transpose", "copy", "astype",
    "dot", "ravel", "flatten", "get", "items", "keys", "values", "squeeze", "swapaxes", "any",
    "all", "cumsum", "std", "var", "nonzero", "clip", "round", "tolist", "item", "split", "prod",
}
REDUCTIONS = {"sum", "mean", "max", "min", "argmax", "argmin", "reshape"}
NUMPY = {"np", "numpy"}
BARRIERS = (ast.Return, ast.Raise, ast.Break, ast.Continue, ast.Global, ast.Nonlocal,
            ast.Delete, ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
            ast.ClassDef, ast.Assert, ast.Yield, ast.YieldFrom, ast.Await)
BLOCKS = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)


@dataclass
class Line:
    text: str          # canonical text of one statement or block header
    start: int         # first original line
    end: int           # last original line


# ----------------------------------------------------------------- 1. removal
def _is_noise(stmt):
    if isinstance(stmt, ast.Pass) or is_docstring(stmt) or is_not_implemented(stmt):
        return True
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, ast.Constant):                     # bare strings, ...
            return True
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print":
            return True
    return False


def _strip_noise(stmts):
    out = []
    for stmt in stmts:
        if _is_noise(stmt):
            continue
        for name in ("body", "orelse", "finalbody"):
            if isinstance(getattr(stmt, name, None), list) and not isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
                setattr(stmt, name, _strip_noise(getattr(stmt, name)))
        if isinstance(stmt, ast.Try):
            for handler in stmt.handlers:
                handler.body = _strip_noise(handler.body)
        out.append(stmt)
    return out


# --------------------------------------------------------------- 2. rewrites
def _is_np(node, *names):
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in NUMPY and node.attr in names)


def _full_slice(node):
    return isinstance(node, ast.Slice) and node.lower is None and node.upper is None and node.step is None


def _const(node, value):
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value == value


def _neg_one(node):
    return _const(node, -1) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
                                and _const(node.operand, 1))


class _Spellings(ast.NodeTransformer):
    """Step 2, expression level."""

    def visit_Call(self, node):
        self.generic_visit(node)
        func, args = node.func, node.args
        plain = not node.keywords and not any(isinstance(a, ast.Starred) for a in args)
        if plain and len(args) == 2 and _is_np(func, "dot", "matmul"):
            return ast.copy_location(ast.BinOp(args[0], ast.MatMult(), args[1]), node)
        if plain and len(args) == 1 and isinstance(func, ast.Attribute) and func.attr == "dot" \
                and not (isinstance(func.value, ast.Name) and func.value.id in NUMPY):
            return ast.copy_location(ast.BinOp(func.value, ast.MatMult(), args[0]), node)
        if plain and len(args) == 1 and _is_np(func, "transpose"):
            return ast.copy_location(ast.Attribute(args[0], "T", ast.Load()), node)
        if plain and not args and isinstance(func, ast.Attribute) and func.attr == "transpose":
            return ast.copy_location(ast.Attribute(func.value, "T", ast.Load()), node)
        if plain and len(args) == 1 and _is_np(func, "square"):
            return ast.copy_location(ast.BinOp(args[0], ast.Pow(), ast.Constant(2)), node)
        if args and not isinstance(args[0], ast.Starred) and isinstance(func, ast.Attribute) \
                and _is_np(func, *REDUCTIONS):
            method = ast.Attribute(args[0], func.attr, ast.Load())
            return ast.copy_location(ast.Call(method, args[1:], node.keywords), node)
        # range(T - 1, -1, -1) -> reversed(range(T))
        if plain and isinstance(func, ast.Name) and func.id == "range" and len(args) == 3 \
                and _neg_one(args[1]) and _neg_one(args[2]) and isinstance(args[0], ast.BinOp) \
                and isinstance(args[0].op, ast.Sub) and _const(args[0].right, 1):
            inner = ast.Call(ast.Name("range", ast.Load()), [args[0].left], [])
            return ast.copy_location(ast.Call(ast.Name("reversed", ast.Load()), [inner], []), node)
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        index = node.slice
        # range(T)[::-1] -> reversed(range(T))
        if isinstance(index, ast.Slice) and index.lower is None and index.upper is None \
                and index.step is not None and _neg_one(index.step) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Name) and node.value.func.id == "range":
            return ast.copy_location(ast.Call(ast.Name("reversed", ast.Load()), [node.value], []), node)
        # x[:, t, :] -> x[:, t];  W[x, :] -> W[x]
        if isinstance(index, ast.Tuple) and len(index.elts) > 1:
            elts = list(index.elts)
            while len(elts) > 1 and _full_slice(elts[-1]):
                elts.pop()
            if len(elts) != len(index.elts):
                node.slice = elts[0] if len(elts) == 1 else ast.Tuple(elts, ast.Load())
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Mult) and statement_key(node.left) == statement_key(node.right):
            return ast.copy_location(ast.BinOp(node.left, ast.Pow(), ast.Constant(2)), node)
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, float) and node.value.is_integer() and abs(node.value) < 1e15:
            return ast.copy_location(ast.Constant(int(node.value)), node)
        return node


def _as_load(target):
    target = copy.deepcopy(target)
    for n in ast.walk(target):
        if hasattr(n, "ctx"):
            n.ctx = ast.Load()
    return target


def _names_in(node, ctx=None):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and (ctx is None or isinstance(n.ctx, ctx))}


def _rewrite_block(stmts):
    """Step 2, statement level, recursively."""
    out = []
    for stmt in stmts:
        for name in ("body", "orelse", "finalbody"):
            if isinstance(getattr(stmt, name, None), list) and isinstance(stmt, BLOCKS):
                setattr(stmt, name, _rewrite_block(getattr(stmt, name)))
        if isinstance(stmt, ast.Try):
            for handler in stmt.handlers:
                handler.body = _rewrite_block(handler.body)
        if isinstance(stmt, ast.AugAssign):
            value = ast.BinOp(_as_load(stmt.target), stmt.op, stmt.value)
            stmt = ast.copy_location(ast.Assign([stmt.target], ast.copy_location(value, stmt)), stmt)
        # a, b = x, y  ->  a = x; b = y   (when no value reads a target)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple) \
                and isinstance(stmt.value, ast.Tuple) and len(stmt.targets[0].elts) == len(stmt.value.elts) \
                and all(isinstance(t, ast.Name) for t in stmt.targets[0].elts) \
                and not any(isinstance(v, ast.Starred) for v in stmt.value.elts):
            names = [t.id for t in stmt.targets[0].elts]
            # Sequential assignments see the earlier targets: safe when no value reads one.
            if len(set(names)) == len(names) and not any(
                    set(names[:i]) & _names_in(v) for i, v in enumerate(stmt.value.elts)):
                for target, value in zip(stmt.targets[0].elts, stmt.value.elts):
                    out.append(ast.copy_location(ast.Assign([target], value), stmt))
                continue
        # out = [] ; for v in it: out.append(e)  ->  out = [e for v in it]
        if isinstance(stmt, ast.For) and not stmt.orelse and len(stmt.body) == 1 and out \
                and isinstance(stmt.body[0], ast.Expr) and isinstance(stmt.body[0].value, ast.Call):
            call = stmt.body[0].value
            previous = out[-1]
            if isinstance(call.func, ast.Attribute) and call.func.attr == "append" \
                    and isinstance(call.func.value, ast.Name) and len(call.args) == 1 and not call.keywords \
                    and isinstance(previous, ast.Assign) and len(previous.targets) == 1 \
                    and isinstance(previous.targets[0], ast.Name) and previous.targets[0].id == call.func.value.id \
                    and isinstance(previous.value, ast.List) and not previous.value.elts:
                comp = ast.ListComp(call.args[0], [ast.comprehension(stmt.target, stmt.iter, [], 0)])
                merged = ast.Assign([previous.targets[0]], comp)
                ast.copy_location(merged, previous)
                merged.end_lineno = stmt.end_lineno
                out[-1] = merged
                continue
        out.append(stmt)
    return out


# ------------------------------------------------------ 3 and 4. order, rename
class _Namer:
    """Canonical names: parameters p<i> by position, locals by value number, helpers F.

    A local used before any definition the emitter has seen is v."""

    def __init__(self, params, local_names, helpers, helper_methods):
        self.names = {name: "p%d" % i for i, name in enumerate(params)}
        self.locals = set(local_names) | set(params)
        self.helpers, self.helper_methods = helpers, helper_methods

    def define(self, stmt):
        """Value numbering: a local first assigned here is named after what it holds
        (a short hash of the canonical text of its value), so the name survives
        renaming, reordering and inserted statements alike."""
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            pairs = [(stmt.target, "for " + self.render(stmt.iter))]
        elif isinstance(stmt, ast.Assign):
            value = self.render(stmt.value)
            pairs = [(t, value) for t in stmt.targets]
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and stmt.value is not None:
            pairs = [(stmt.target, self.render(stmt.value))]
        elif isinstance(stmt, ast.With):
            pairs = [(i.optional_vars, "with " + self.render(i.context_expr)) for i in stmt.items if i.optional_vars]
        else:
            return
        for target, value in pairs:
            self._define_target(target, value)

    def _define_target(self, target, value):
        if isinstance(target, ast.Name):
            if target.id in self.locals and target.id not in self.names:
                self.names[target.id] = "v" + hashlib.blake2s(value.encode(), digest_size=2).hexdigest()
        elif isinstance(target, (ast.Tuple, ast.List)):
            for i, element in enumerate(target.elts):
                self._define_target(element, "%s[%d]" % (value, i))
        elif isinstance(target, ast.Starred):
            self._define_target(target.value, value + "*")

    def render(self, node):
        """Canonical text of node."""
        renamed = _Renamer(self).visit(_clone(node))
        if isinstance(renamed, ast.BinOp) and isinstance(renamed.op, (ast.Add, ast.Mult)):
            renamed = _sorted_chain(renamed)
        _sort_commutative(renamed)
        return ast.unparse(renamed)


_POSITIONS = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def _clone(node):
    """A deep copy of an AST, several times faster than copy.deepcopy."""
    if isinstance(node, ast.AST):
        new = node.__class__.__new__(node.__class__)
        for name in node._fields:
            setattr(new, name, _clone(getattr(node, name, None)))
        for name in _POSITIONS:
            if hasattr(node, name):
                setattr(new, name, getattr(node, name))
        return new
    if isinstance(node, list):
        return [_clone(item) for item in node]
    return node


class _Renamer(ast.NodeTransformer):
    def __init__(self, namer):
        self.namer = namer

    def _name(self, name):
        if name in self.namer.names:
            return self.namer.names[name]
        if name in self.namer.locals:
            return "v"
        if name in self.namer.helpers:
            return "F"
        return name

    def visit_Name(self, node):
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._name(node.arg)
        node.annotation = None
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if node.attr in self.namer.helper_methods:
            node.attr = "F"
        return node


def _flatten(node, op_type):
    if isinstance(node, ast.BinOp) and isinstance(node.op, op_type):
        return _flatten(node.left, op_type) + _flatten(node.right, op_type)
    return [node]


def _sort_commutative(tree):
    """Sort the operands of + and * chains by their text (in place)."""
    for node in list(ast.walk(tree)):
        for field_name, value in list(ast.iter_fields(node)):
            if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Mult)):
                setattr(node, field_name, _sorted_chain(value))
            elif isinstance(value, list):
                setattr(node, field_name, [_sorted_chain(v) if isinstance(v, ast.BinOp)
                                           and isinstance(v.op, (ast.Add, ast.Mult)) else v for v in value])


def _sorted_chain(node):
    op_type = type(node.op)
    operands = _flatten(node, op_type)
    for operand in operands:
        _sort_commutative(operand)
    operands = [_sorted_chain(o) if isinstance(o, ast.BinOp) and isinstance(o.op, (ast.Add, ast.Mult)) else o
                for o in operands]
    operands.sort(key=ast.unparse)
    result = operands[0]
    for operand in operands[1:]:
        result = ast.BinOp(result, op_type(), operand)
    return result


def _base_name(node):
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node if isinstance(node, ast.Name) else None


def _effects(stmt, locals_):
    """(reads, writes, slice_writes, barrier) of one statement, over local names only.

    slice_writes: {name: index text} when the statement's only write to x is a
    store into x[index] (and it does not read x): two such stores with
    different index texts are taken as disjoint slices and may be reordered."""
    reads, writes, slices = set(), set(), {}
    barrier = any(isinstance(n, BARRIERS) for n in ast.walk(stmt))
    store_bases = set()

    def write(name, index=None):
        writes.add(name)
        if index is None or slices.get(name, "") is None:
            slices[name] = None
        else:
            slices[name] = slices.get(name, "") + index

    for node in ast.walk(stmt):
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            base = _base_name(node)
            if base is not None:
                store_bases.add(id(base))
                direct = isinstance(node, ast.Subscript) and node.value is base
                write(base.id, ast.dump(node.slice) if direct else None)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            write(node.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr not in PURE_METHODS:
            base = _base_name(node.func.value)
            if base is not None:
                write(base.id)
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in store_bases:
            reads.add(node.id)
    if isinstance(stmt, ast.Expr):       # a call for its effect may mutate its arguments
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name):
                write(node.id)
    slices = {name: index for name, index in slices.items()
              if index is not None and name not in reads and name in locals_}
    return reads & locals_, writes & locals_, slices, barrier


def _conflict(first, second):
    r_i, w_i, s_i, b_i = first
    r_j, w_j, s_j, b_j = second
    if b_i or b_j or w_i & r_j or w_j & r_i:
        return True
    return any(not (name in s_i and name in s_j and s_i[name] != s_j[name]) for name in w_i & w_j)


class _Emitter:
    def __init__(self, namer):
        self.namer = namer
        self.lines = []

    def emit(self, text, start, end):
        self.lines.append(Line(text, start, end if end is not None else start))

    def block(self, stmts):
        """Emit a block: a topological order of its dependency graph, smallest canonical key first.

        The key is the statement's canonical text, which does not depend on the
        order the student chose."""
        if len(stmts) > MAX_SORTED_BLOCK:
            for stmt in stmts:
                self.statement(stmt)
            return
        locals_ = self.namer.locals
        effects = [_effects(s, locals_) for s in stmts]
        waiting = [0] * len(stmts)
        successors = [[] for _ in stmts]
        for j in range(len(stmts)):
            for i in range(j):
                if _conflict(effects[i], effects[j]):
                    successors[i].append(j)
                    waiting[j] += 1
        static = len(stmts) > MAX_RESORTED_BLOCK
        names = self.namer.names
        used = [sorted({n.id for n in ast.walk(s) if isinstance(n, ast.Name)} & locals_) for s in stmts]
        cache = {}

        def key(j):
            # A key changes only when a local the statement uses gets its name.
            signature = (j, tuple(names.get(n) for n in used[j])) if not static else j
            if signature not in cache:
                cache[signature] = self.namer.render(stmts[j])
            return cache[signature]

        ready = [j for j in range(len(stmts)) if not waiting[j]]
        while ready:
            pick = ready[0] if len(ready) == 1 else min(ready, key=lambda j: (key(j), j))
            ready.remove(pick)
            self.statement(stmts[pick])
            for j in successors[pick]:
                waiting[j] -= 1
                if not waiting[j]:
                    ready.append(j)

    def statement(self, stmt):
        namer, first = self.namer, stmt.lineno

        def header(body):
            return first, max(first, (body[0].lineno - 1) if body else first)

        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            namer.define(stmt)
            self.emit("for %s in %s:" % (namer.render(stmt.target), namer.render(stmt.iter)),
                      *header(stmt.body))
            self.block(stmt.body)
            if stmt.orelse:
                self.emit("else:", stmt.orelse[0].lineno, stmt.orelse[0].lineno)
                self.block(stmt.orelse)
        elif isinstance(stmt, ast.While):
            self.emit("while %s:" % namer.render(stmt.test), *header(stmt.body))
            self.block(stmt.body)
            if stmt.orelse:
                self.emit("else:", stmt.orelse[0].lineno, stmt.orelse[0].lineno)
                self.block(stmt.orelse)
        elif isinstance(stmt, ast.If):
            self.emit("if %s:" % namer.render(stmt.test), *header(stmt.body))
            self.block(stmt.body)
            if stmt.orelse:
                self.emit("else:", stmt.orelse[0].lineno, stmt.orelse[0].lineno)
                self.block(stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            namer.define(stmt)
            self.emit("with %s:" % ", ".join(namer.render(i) for i in stmt.items), *header(stmt.body))
            self.block(stmt.body)
        elif isinstance(stmt, ast.Try):
            self.emit("try:", first, first)
            self.block(stmt.body)
            for handler in stmt.handlers:
                text = "except%s%s:" % (" " + namer.render(handler.type) if handler.type else "",
                                        " as v" if handler.name else "")
                self.emit(text, handler.lineno, handler.lineno)
                self.block(handler.body)
            for name, part in (("else:", stmt.orelse), ("finally:", stmt.finalbody)):
                if part:
                    self.emit(name, part[0].lineno, part[0].lineno)
                    self.block(part)
        else:
            namer.define(stmt)
            text = namer.render(stmt)
            for line in text.splitlines() or [""]:
                self.emit(line, first, stmt.end_lineno)


def local_names(fn):
    names = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.ExceptHandler,)) and node.name:
            names.add(node.name)
    for node in ast.walk(fn):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            names -= set(node.names)
    return names


def parameters(fn):
    args = fn.args
    params = [a.arg for a in args.posonlyargs + args.args]
    params += [args.vararg.arg] if args.vararg else []
    params += [a.arg for a in args.kwonlyargs]
    params += [args.kwarg.arg] if args.kwarg else []
    return params


def _prepared_body(fn):
    return _rewrite_block([_Spellings().visit(s) for s in _strip_noise(fn.body)])


def _namer_for(fn, helpers=(), helper_methods=()):
    return _Namer(parameters(fn), local_names(fn), set(helpers), set(helper_methods))


_STUB_CACHE = {}


def stub_statements(stub_fn):
    """Canonical texts of the release stub's own statements (`next_h, cache = None, None`, ...)."""
    if stub_fn is None:
        return Counter()
    if id(stub_fn) not in _STUB_CACHE:
        namer = _namer_for(stub_fn)
        _STUB_CACHE[id(stub_fn)] = (stub_fn, Counter(namer.render(s) for s in _prepared_body(_clone(stub_fn))))
    return Counter(_STUB_CACHE[id(stub_fn)][1])


def normalise_function(fn, stub_fn=None, helpers=(), helper_methods=()):
    """[Line] for one FunctionDef (copied; the tree given is not changed).

    stub_fn: the release's stub of this function; statements it holds are
    dropped wherever the student kept them, renamed or not."""
    fn = _clone(fn)
    namer = _namer_for(fn, helpers, helper_methods)
    stub = stub_statements(stub_fn)
    body = []
    for stmt in _prepared_body(fn):
        key = namer.render(stmt)
        if stub.get(key, 0) > 0:
            stub[key] -= 1
            continue
        body.append(stmt)
    emitter = _Emitter(namer)
    emitter.block(body)
    return emitter.lines


def normalise_raw(raw_lines, stub_fn=None):
    """[Line] for a function that does not parse: its lines without comments,
    blank lines or the stub's own lines (as written in the release)."""
    stub = set()
    if stub_fn is not None:
        stub = {ast.unparse(s).replace(" ", "") for s in stub_fn.body}
    lines = []
    for number, text in raw_lines[1:]:                     # the def line is the stub's
        code = _strip_comment(text).strip()
        if code and code.replace(" ", "") not in stub:
            lines.append(Line(code, number, number))
    return lines


def _strip_comment(text):
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return text[:i]
    return text

"""Turn a corpus variant file into a real submission folder.

    python materialize.py VARIANT.py --base release/rnn_captioning --out DIR [--force]

A variant file is Python: a one-line docstring, the metadata constants KIND,
BASE and LOSES, then sections opened by a marker comment,

    # ==== rnn_layers.py ====          -> captioning/rnn_layers.py
    # ==== classifiers/rnn.py ====     -> captioning/classifiers/rnn.py

holding only `def` and `import` / `from ... import` statements. In a section:
- an import goes to the top of that file, after the file's own imports;
- a def whose name exists in the file replaces that whole function (in
  classifiers/rnn.py: the CaptioningRNN method of that name); the original
  docstring is kept when the variant's def has none;
- any other def in rnn_layers.py is inserted before the first graded
  function; in classifiers/rnn.py it becomes a new CaptioningRNN method.

A bug (KIND = "bug") is materialized as its BASE (a correct variant of the
same corpus) with the bug's defs and imports laid over it.

Standard library only, so that it can be imported by file path.
"""
import argparse
import ast
import re
import shutil
import sys
import textwrap
import warnings
from dataclasses import dataclass, field
from pathlib import Path

SECTION_FILES = {
    "rnn_layers.py": "captioning/rnn_layers.py",
    "classifiers/rnn.py": "captioning/classifiers/rnn.py",
}
MARKER = re.compile(r"^# ==== (?P<name>\S+) ====\s*$")
METADATA = ("KIND", "BASE", "LOSES")
# Optional: {part id: why} for declared parts the notebook's visible checks (and
# selfcheck.py) cannot see, because only inputs unlike the notebook's show them.
OPTIONAL_METADATA = ("SELFCHECK_MISSES",)
KINDS = ("correct", "bug")
MODEL_CLASS = "CaptioningRNN"
# The graded functions of rnn_layers.py; new helpers go before the first of them.
GRADED_LAYER_FUNCTIONS = (
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "word_embedding_forward", "word_embedding_backward",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
)
GRADED_METHODS = ("loss", "sample")
IGNORED = shutil.ignore_patterns("__pycache__", "*.ipynb", "datasets", ".ipynb_checkpoints", "*.pyc")


class VariantError(ValueError):
    """The variant file breaks the corpus format."""


@dataclass
class Section:
    imports: list = field(default_factory=list)     # source text of each import statement
    defs: dict = field(default_factory=dict)        # name -> source text of the def (top level)


@dataclass
class Variant:
    name: str
    kind: str
    base: object          # str or None
    loses: dict
    description: str
    sections: dict        # section name ("rnn_layers.py", "classifiers/rnn.py") -> Section
    path: Path = None
    selfcheck_misses: dict = field(default_factory=dict)


def _fail(path, lineno, message):
    raise VariantError("%s:%s: %s" % (path, lineno, message))


def load_variant(path):
    """Parse a variant file (never executes it)."""
    path = Path(path)
    text = path.read_text()
    lines = text.splitlines()
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise VariantError("%s: not valid Python: %s" % (path, exc)) from exc

    markers = []                      # (line number, section name)
    for number, line in enumerate(lines, start=1):
        match = MARKER.match(line)
        if match:
            if match.group("name") not in SECTION_FILES:
                _fail(path, number, "unknown section %r (known: %s)"
                      % (match.group("name"), ", ".join(SECTION_FILES)))
            markers.append((number, match.group("name")))

    def section_of(lineno):
        current = None
        for number, name in markers:
            if number < lineno:
                current = name
        return current

    description = ast.get_docstring(tree)
    if not description:
        _fail(path, 1, "the file must start with a one-line docstring")
    metadata, sections = {}, {}
    body = tree.body[1:] if isinstance(tree.body[0], ast.Expr) else tree.body
    for node in body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        section = section_of(first)
        if section is None:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in METADATA + OPTIONAL_METADATA):
                try:
                    metadata[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    _fail(path, node.lineno, "%s must be a literal" % node.targets[0].id)
                continue
            _fail(path, node.lineno, "only the docstring and KIND, BASE, LOSES, SELFCHECK_MISSES may come "
                  "before the first section marker, found %s" % type(node).__name__)
        if any(first <= number <= node.end_lineno for number, _ in markers):
            _fail(path, node.lineno, "a section marker sits inside a statement")
        target = sections.setdefault(section, Section())
        segment = "\n".join(lines[first - 1:node.end_lineno]) + "\n"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            target.imports.append(segment.strip() + "\n")
        elif isinstance(node, ast.FunctionDef):
            if node.name in target.defs:
                _fail(path, node.lineno, "%s is defined twice in section %s" % (node.name, section))
            target.defs[node.name] = segment
        else:
            _fail(path, node.lineno, "only def and import statements are allowed in a section, found %s"
                  % type(node).__name__)

    missing = [m for m in METADATA if m not in metadata]
    if missing:
        _fail(path, 1, "missing metadata: %s" % ", ".join(missing))
    kind, base, loses = metadata["KIND"], metadata["BASE"], metadata["LOSES"]
    if kind not in KINDS:
        _fail(path, 1, "KIND must be one of %s" % (KINDS,))
    if not isinstance(loses, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in loses.items()):
        _fail(path, 1, "LOSES must be a dict {part id: hint id}")
    if kind == "correct" and (base is not None or loses):
        _fail(path, 1, "a correct variant has BASE = None and LOSES = {}")
    if kind == "bug" and (not isinstance(base, str) or not loses):
        _fail(path, 1, "a bug names its BASE variant and what it LOSES")
    misses = metadata.get("SELFCHECK_MISSES", {})
    if not isinstance(misses, dict) or not set(misses) <= set(loses):
        _fail(path, 1, "SELFCHECK_MISSES must be a dict {part id in LOSES: why}")
    return Variant(path.stem, kind, base, dict(loses), description.strip(), sections, path, dict(misses))


def find_variant_file(corpus_dir, name):
    corpus_dir = Path(corpus_dir)
    for folder in ("correct", "bugs", "."):
        candidate = corpus_dir / folder / (name + ".py")
        if candidate.is_file():
            return candidate
    raise VariantError("variant %r not found under %s" % (name, corpus_dir))


def all_variants(corpus_dir):
    """Every variant of the corpus: correct/ first, then bugs/, each sorted by name."""
    corpus_dir = Path(corpus_dir)
    found = []
    for folder in ("correct", "bugs"):
        found += [load_variant(p) for p in sorted((corpus_dir / folder).glob("*.py"))]
    return found


def resolved_sections(variant, corpus_dir=None):
    """The sections to splice: for a bug, its BASE's sections with the bug's laid over them."""
    if variant.kind != "bug":
        return variant.sections
    corpus_dir = Path(corpus_dir) if corpus_dir else variant.path.parent.parent
    base = load_variant(find_variant_file(corpus_dir, variant.base))
    if base.kind != "correct":
        raise VariantError("%s: BASE %s is not a correct variant" % (variant.path, variant.base))
    merged = {}
    for name in SECTION_FILES:
        below, above = base.sections.get(name, Section()), variant.sections.get(name, Section())
        imports = list(below.imports) + [i for i in above.imports if i not in below.imports]
        defs = dict(below.defs)
        defs.update(above.defs)
        merged[name] = Section(imports, defs)
    return merged


# ---------------------------------------------------------------------------
# splicing
# ---------------------------------------------------------------------------

def _node_start(node):
    return min([node.lineno] + [d.lineno for d in node.decorator_list])


def _docstring_lines(node, lines):
    """The source lines of node's docstring, dedented, or None."""
    if not _has_docstring(node):
        return None
    doc = node.body[0]
    return textwrap.dedent("\n".join(lines[doc.lineno - 1:doc.end_lineno]) + "\n")


def _has_docstring(node):
    return bool(node.body) and isinstance(node.body[0], ast.Expr) and \
        isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str)


def _with_docstring(source, original_doc):
    """Add original_doc to a def without a docstring (after its signature)."""
    if original_doc is None:
        return source
    node = ast.parse(textwrap.dedent(source)).body[0]
    # A body on the signature line (def f(): return 1) gets no docstring.
    if _has_docstring(node) or node.body[0].lineno == node.lineno:
        return source
    src_lines = source.splitlines(keepends=True)
    first = node.body[0].lineno - 1
    indent = re.match(r"[ \t]*", src_lines[first]).group(0)
    return "".join(src_lines[:first]) + textwrap.indent(original_doc, indent) + "".join(src_lines[first:])


def _insert_imports(lines, tree, imports):
    """Index of the line after the file's last top-level import, and the text to put there."""
    last = max((n.end_lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))), default=0)
    if not imports:
        return None
    return (last, last, "".join(imports))


def splice_layers(text, section):
    lines = text.splitlines(keepends=True)
    tree = ast.parse(text)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    plain = [l.rstrip("\n") for l in lines]
    edits = []                        # (start index, end index, replacement), 0-based, end exclusive
    new_helpers = []
    for name, source in section.defs.items():
        if name in functions:
            node = functions[name]
            edits.append((_node_start(node) - 1, node.end_lineno, _with_docstring(source, _docstring_lines(node, plain))))
        else:
            new_helpers.append(source)
    if new_helpers:
        anchor = min(_node_start(functions[n]) for n in GRADED_LAYER_FUNCTIONS if n in functions)
        edits.append((anchor - 1, anchor - 1, "\n".join(new_helpers) + "\n\n"))
    imports = _insert_imports(lines, tree, section.imports)
    if imports:
        edits.append(imports)
    return _apply(lines, edits)


def splice_model(text, section):
    lines = text.splitlines(keepends=True)
    tree = ast.parse(text)
    plain = [l.rstrip("\n") for l in lines]
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == MODEL_CLASS]
    if not classes:
        raise VariantError("classifiers/rnn.py has no class %s" % MODEL_CLASS)
    cls = classes[0]
    methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}
    edits, added = [], []
    for name, source in section.defs.items():
        if name in methods:
            node = methods[name]
            source = _with_docstring(source, _docstring_lines(node, plain))
            edits.append((_node_start(node) - 1, node.end_lineno, textwrap.indent(source, "    ")))
        else:
            added.append(textwrap.indent(source, "    "))
    if added:
        edits.append((cls.end_lineno, cls.end_lineno, "\n" + "\n".join(added)))
    imports = _insert_imports(lines, tree, section.imports)
    if imports:
        edits.append(imports)
    return _apply(lines, edits)


def _apply(lines, edits):
    # Insertions at one point keep their order; apply from the bottom up.
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:end] = [replacement]
    return "".join(lines)


SPLICERS = {"rnn_layers.py": splice_layers, "classifiers/rnn.py": splice_model}


def materialize(variant_path, base_dir, out_dir, force=False):
    """Copy base_dir (without notebooks, caches, datasets) to out_dir and splice
    the variant into it. Returns out_dir as a Path."""
    variant = load_variant(variant_path)
    sections = resolved_sections(variant)
    base_dir, out_dir = Path(base_dir), Path(out_dir)
    if not (base_dir / SECTION_FILES["rnn_layers.py"]).is_file():
        raise VariantError("%s is not an assignment folder (no %s)" % (base_dir, SECTION_FILES["rnn_layers.py"]))
    if out_dir.exists():
        if not force:
            raise FileExistsError("%s exists (use force=True / --force to replace it)" % out_dir)
        shutil.rmtree(out_dir)
    shutil.copytree(base_dir, out_dir, ignore=IGNORED, symlinks=False)
    for name, relative in SECTION_FILES.items():
        section = sections.get(name)
        if section is None or (not section.defs and not section.imports):
            continue
        path = out_dir / relative
        new_text = SPLICERS[name](path.read_text(), section)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)     # `is 'rnn'` is a style some variants keep
            compile(new_text, str(path), "exec", dont_inherit=True)   # fail here, not in the grader
        path.write_text(new_text)
    return out_dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", help="a variant file (correct/cNN_*.py or bugs/bNN_*.py)")
    parser.add_argument("--base", required=True, help="the assignment folder to start from (release/rnn_captioning)")
    parser.add_argument("--out", required=True, help="the submission folder to write")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    try:
        out = materialize(args.variant, args.base, args.out, force=args.force)
    except (VariantError, FileExistsError) as exc:
        print("materialize: %s" % exc, file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Editing a copy of a submission: replace whole functions, or stub the graded bodies.

Used by the mutants, the classic correct submission, the hostile corpus of
the tests and the demo's example of typical mistakes.
"""
import re
import shutil
import textwrap
from pathlib import Path

# The graded files, relative to the package folder (whatever the package is called).
LAYERS = "rnn_layers.py"
MODEL = "classifiers/rnn.py"


# A submission is the package and its scripts: not the notebooks, the data or the hidden side.
COPY_IGNORES = shutil.ignore_patterns("__pycache__", "*.ipynb", "datasets", "grading")


def _def(text):
    return textwrap.dedent(text).strip("\n") + "\n"


def replace_function(text, name, new_source):
    """Replace the top-level function or the CaptioningRNN method `name` in module text."""
    match = re.search(r"^(?P<indent>[ \t]*)def %s\(" % re.escape(name), text, flags=re.M)
    if not match:
        raise ValueError("function %s not found" % name)
    indent = match.group("indent")
    # The definition ends at the first later line indented no deeper than its `def`.
    end = re.compile(r"^ {0,%d}\S" % len(indent), re.M).search(text, match.end())
    end = end.start() if end else len(text)
    replacement = textwrap.indent(textwrap.dedent(new_source), indent)
    return text[:match.start()] + replacement + "\n\n" + text[end:]


def package_dir(folder):
    """The package folder inside an assignment folder: the one that holds rnn_layers.py."""
    found = [p for p in sorted(Path(folder).iterdir()) if (p / LAYERS).is_file()]
    if len(found) != 1:
        raise ValueError("expected one package with %s in %s, found %d" % (LAYERS, folder, len(found)))
    return found[0]


def apply_functions(base_dir, dest_dir, replacements):
    """Copy the assignment folder base_dir to dest_dir, then replace functions:
    replacements is [(file relative to the package, function name, new source)]."""
    base_dir, dest_dir = Path(base_dir), Path(dest_dir)
    shutil.copytree(base_dir, dest_dir, ignore=COPY_IGNORES)
    package = package_dir(dest_dir)
    for relative, name, source in replacements:
        path = package / relative
        path.write_text(replace_function(path.read_text(), name, source))
    return dest_dir


def stub_package(base_dir, dest_dir):
    """A copy whose graded bodies raise NotImplementedError, like the release
    (for tests when release/ has not been built)."""
    base_dir, dest_dir = Path(base_dir), Path(dest_dir)
    shutil.copytree(base_dir, dest_dir, ignore=COPY_IGNORES)
    pattern = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n", re.M | re.S)
    for path in dest_dir.rglob("*.py"):
        text = path.read_text()
        if "### BEGIN SOLUTION" in text:
            path.write_text(pattern.sub(lambda m: '%sraise NotImplementedError("not implemented yet")\n'
                                        % m.group(1), text))
    return dest_dir

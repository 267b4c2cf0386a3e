"""The course's name for the student package (rubric.json "package", e.g.
`cs231n`). The source keeps its own folder name; the build renames the
package folder of release/ and solutions/ and every reference to it in the
notebooks and scripts, so a student's files from a course using that name
drop in with no import edits."""
import os
import re

import nbformat


def _patterns(old):
    name = re.escape(old)
    return [
        (re.compile(r"\b(from|import)(\s+)%s(?=[\s.,;]|$)" % name, re.M), r"\1\2{new}"),
        (re.compile(r"(?<![\w/.-])%s\.(?=[A-Za-z_])" % name), "{new}."),     # captioning.public_checks
        (re.compile(r"(?<![\w/.-])%s/" % name), "{new}/"),                    # captioning/rnn_layers.py
    ]


def rename_in_text(text, old, new):
    for pattern, replacement in _patterns(old):
        text = pattern.sub(replacement.format(new=new), text)
    return text


def rename_package(folder, old, new):
    """Rename folder/old to folder/new and rewrite the references in folder's .py,
    .md and .ipynb files. Running it again changes nothing."""
    if old == new:
        return
    if os.path.isdir(os.path.join(folder, old)):
        os.rename(os.path.join(folder, old), os.path.join(folder, new))
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if name.endswith((".py", ".md")):
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                renamed = rename_in_text(text, old, new)
                if renamed != text:
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(renamed)
            elif name.endswith(".ipynb"):
                nb = nbformat.read(path, as_version=4)
                for cell in nb.cells:
                    cell.source = rename_in_text(cell.source, old, new)
                nbformat.write(nb, path)

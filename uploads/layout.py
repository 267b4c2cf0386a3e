"""Where an assignment's graded files sit, read from its rubric.json alone.

The grader, the copy check and the locator all need this much of an
assignment and no more; it lives here, below them all, so that none of them
has to import the engine to learn it.
"""
import json
import os
from dataclasses import dataclass
from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Layout:
    """An assignment's id, its package's name and its graded files."""
    id: str
    package: str
    graded_files: dict                 # key -> path inside the package, e.g. {"layers": "rnn_layers.py"}

    @property
    def file_names(self):
        """The graded files' own names, in rubric order (e.g. ("rnn_layers.py", "rnn.py"))."""
        return tuple(Path(path).name for path in self.graded_files.values())

    def path_in_folder(self, name):
        """`<package>/<path>` of the graded file called name, as it sits in an assignment folder."""
        return next("%s/%s" % (self.package, path) for path in self.graded_files.values()
                    if Path(path).name == name)


def read_layout(assignment_folder):
    """The Layout of the assignment folder source/<id>/ (its rubric.json)."""
    settings = json.loads((Path(assignment_folder) / "rubric.json").read_text())
    return Layout(settings["assignment"], settings["package"], dict(settings["graded_files"]))


# The environment variable that names the assignment of a process and of the
# processes it starts (each grader of a batch, the build's kernels).
ASSIGNMENT_VARIABLE = "AUTOGRADER_ASSIGNMENT"


def assignment_folders(kit_root=KIT_ROOT):
    """Every folder source/<id>/ that has a grading/ package, sorted."""
    return sorted(p.parent.parent for p in (Path(kit_root) / "source").glob("*/grading/__init__.py"))


def default_assignment_folder(kit_root=KIT_ROOT):
    """The folder AUTOGRADER_ASSIGNMENT names, else the one folder source/<id>/ that has a grading/ package."""
    forced = os.environ.get(ASSIGNMENT_VARIABLE)
    if forced:
        return Path(forced).resolve()
    found = assignment_folders(kit_root)
    if len(found) != 1:
        raise RuntimeError("expected one assignment with a grading/ folder under %s, found %d%s: choose one "
                           "with --assignment" % (Path(kit_root) / "source", len(found),
                                                   " (%s)" % ", ".join(f.name for f in found) if found else ""))
    return found[0]


def resolve_assignment(value, kit_root=KIT_ROOT):
    """The folder of the assignment `value` names: an id under source/, or a folder holding rubric.json."""
    for folder in (Path(value), Path(kit_root) / "source" / value):
        if (folder / "rubric.json").is_file() and (folder / "grading" / "__init__.py").is_file():
            return folder.resolve()
    known = ", ".join(f.name for f in assignment_folders(kit_root)) or "none"
    raise LookupError("no assignment %r: give an id under source/ (%s) or a folder holding rubric.json "
                      "and grading/" % (str(value), known))


def select_assignment(value, kit_root=KIT_ROOT):
    """Make the assignment `value` names the one of this process and of the processes it starts."""
    folder = resolve_assignment(value, kit_root)
    os.environ[ASSIGNMENT_VARIABLE] = str(folder)
    return folder

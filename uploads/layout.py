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


def default_assignment_folder(kit_root=KIT_ROOT):
    """AUTOGRADER_ASSIGNMENT, else the one folder source/<id>/ that has a grading/ package."""
    forced = os.environ.get("AUTOGRADER_ASSIGNMENT")
    if forced:
        return Path(forced).resolve()
    found = sorted(p.parent.parent for p in (Path(kit_root) / "source").glob("*/grading/__init__.py"))
    if len(found) != 1:
        raise RuntimeError("expected one assignment with a grading/ folder under %s, found %d"
                           % (Path(kit_root) / "source", len(found)))
    return found[0]

"""What the copy check compares: one assignment's graded files, its release and its baseline.

Nothing in similarity/ names an assignment: every module asks `current()`,
which run_similarity sets for its run (grade-batch passes the assignment it
grades) and which defaults to the kit's one assignment.
"""
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from uploads.layout import KIT_ROOT, Layout, default_assignment_folder, read_layout

# Inside an assignment folder source/<id>/: folders of whole solutions whose
# shared code counts as code everyone writes, and the copy check's settings.
BASELINE_FOLDER = Path("grading") / "quality" / "similarity_baseline"
SETTINGS_FILE = Path("grading") / "similarity.json"


@dataclass(frozen=True)
class Subject:
    layout: Layout
    release_dir: Path                  # the folder students received: holds <package>/
    baseline_dir: Path                 # one sub-folder per known solution, each holding <package>/
    reference_packages: tuple = ()     # other package names known solutions use (e.g. a course's older name)

    def __hash__(self):                # the layout's dict is not hashable; its content is
        return hash((self.layout.id, self.layout.package, tuple(self.layout.graded_files.items()),
                     str(self.release_dir), str(self.baseline_dir), self.reference_packages))

    @property
    def roles(self):
        """The graded files by their own names (e.g. "rnn_layers.py"), in rubric order."""
        return self.layout.file_names

    def path_in_folder(self, role):
        """Where the graded file `role` sits in an assignment folder, e.g. "captioning/classifiers/rnn.py"."""
        return self.layout.path_in_folder(role)

    def path_in_package(self, role):
        return self.path_in_folder(role).split("/", 1)[1]

    @property
    def packages(self):
        """Every package folder name a graded file may sit in: the course's first."""
        return (self.layout.package,) + tuple(p for p in self.reference_packages if p != self.layout.package)

    @property
    def located_layout(self):
        """The layout for the grader's locator, keyed by role."""
        return Layout(self.layout.id, self.layout.package, {role: self.path_in_package(role) for role in self.roles})


def for_assignment(folder, kit_root=KIT_ROOT):
    """The Subject of the assignment folder source/<id>/ with its release in kit_root/release/<id>."""
    layout, settings_file = read_layout(folder), Path(folder) / SETTINGS_FILE
    settings = json.loads(settings_file.read_text()) if settings_file.is_file() else {}
    return Subject(layout, Path(kit_root) / "release" / layout.id, Path(folder) / BASELINE_FOLDER,
                   tuple(settings.get("reference_packages", ())))


_current = []


def use(subject):
    """Compare `subject` from now on, in this process (and in the workers it starts)."""
    _current[:] = [subject]


@contextlib.contextmanager
def using(subject):
    """Compare `subject` inside the block, and what was compared before after it."""
    before = list(_current)
    use(subject)
    try:
        yield subject
    finally:
        _current[:] = before


def current():
    if not _current:
        use(for_assignment(default_assignment_folder()))
    return _current[0]

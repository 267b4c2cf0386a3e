"""A temporary copy of the course, on which the real `nbgrader` commands run.

The copy holds what nbgrader needs from the repo (nbgrader_config.py, the
build hooks and preprocessors it imports, source/, and the engine and
in-kernel checks the hidden test cells import) and a link to the embedded dataset, so tests and benchmarks never
write into the repo's own release/, submitted/ or gradebook.db.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.assignment import default_folder, load

KIT_ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = default_folder().name
COPIED_FOLDERS = ("build_assignment", "source", "autograder", "nbgrader_bridge", "uploads", "similarity")
DATASET = load().embedded_data_dir.relative_to(KIT_ROOT)
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "datasets")


class NbgraderFailed(RuntimeError):
    """An nbgrader command exited non-zero; the message holds its stderr tail."""


class Course:
    def __init__(self, root):
        self.root = Path(root)
        # nbgrader starts kernels with `python` from PATH: make it this interpreter's.
        self.env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
        # The notebooks must find the data from autograded/<student>/, as on a real course.
        self.env.pop(load().data_environment, None)

    @property
    def gradebook_url(self):
        return "sqlite:///" + str(self.root / "gradebook.db")

    @property
    def package(self):
        """The student package's name in this course (its rubric.json "package")."""
        rubric = json.loads((self.root / "source" / ASSIGNMENT / "rubric.json").read_text())
        return rubric["package"]

    def folder(self, step, student=None):
        """{course}/{step}/[{student}/]{assignment}, nbgrader's layout."""
        parts = [step] + ([student] if student else []) + [ASSIGNMENT]
        return self.root.joinpath(*parts)

    def nbgrader(self, *args, check=True, timeout=1800):
        """Run `nbgrader ARGS` in the course root; returns the CompletedProcess."""
        proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise NbgraderFailed("nbgrader %s exited %d:\n%s"
                                 % (" ".join(args), proc.returncode, proc.stderr[-3000:]))
        return proc

    def generate_assignment(self):
        return self.nbgrader("generate_assignment", ASSIGNMENT, "--force")

    def submit(self, student, folder=None):
        """Copy folder (default: this course's release) as student's submission; returns its path."""
        dest = self.folder("submitted", student)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(folder or self.folder("release"), dest, ignore=IGNORED)
        return dest

    def submit_with_package(self, student, package_dir):
        """The release notebooks with another student package (e.g. the solutions')."""
        dest = self.submit(student)
        shutil.rmtree(dest / self.package)
        shutil.copytree(Path(package_dir), dest / self.package, ignore=IGNORED)
        return dest


def make_course_copy(dest, kit_root=KIT_ROOT):
    """A fresh course at dest (created; must not exist) copied from kit_root; returns a Course."""
    dest = Path(dest)
    dest.mkdir(parents=True)
    shutil.copy(kit_root / "nbgrader_config.py", dest)
    for name in COPIED_FOLDERS:
        shutil.copytree(kit_root / name, dest / name, ignore=IGNORED)
    (dest / DATASET).parent.mkdir(parents=True)
    os.symlink(kit_root / DATASET, dest / DATASET)
    return Course(dest)

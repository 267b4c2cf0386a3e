"""release/: the student version, made by nbgrader's own generate_assignment.

nbgrader stubs the notebooks (solution cells, hidden tests, outputs); the
hook that nbgrader_config.py installs stubs the .py files with ClearSolutions.
The gradebook nbgrader needs for this goes to a temporary database, so the
build leaves no gradebook.db behind.
"""
import os
import shutil
import sys
import tempfile

from nbgrader.apps import NbGraderAPI
from traitlets.config.loader import PyFileConfigLoader

from autograder.assignment import load

from .manifest import stamp_release
from .nbgrader_hooks import stub_release_tree
from .package_name import rename_package
from .paths import ASSIGNMENT, COURSE_ROOT, MARKERS, ROOT, SOURCE_DIR, package_names, release_dir


def load_course_config(root=ROOT):
    return PyFileConfigLoader("nbgrader_config.py", path=root).load_config()


def put_interpreter_tools_on_path():
    """nbgrader runs the `alembic` command for its gradebook; when the build is
    started as .venv/bin/python without an activated venv, that command is
    only found next to the interpreter."""
    bindir = os.path.dirname(os.path.abspath(sys.executable))
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def build_release(out_root):
    dest = release_dir(out_root)
    put_interpreter_tools_on_path()
    with tempfile.TemporaryDirectory(prefix="kit-gradebook-") as tmp:
        config = load_course_config()
        if os.path.basename(os.path.dirname(SOURCE_DIR)) != "source":
            raise RuntimeError("nbgrader needs the assignment in a folder called source/: %s" % SOURCE_DIR)
        config.CourseDirectory.root = COURSE_ROOT
        config.CourseDirectory.release_directory = os.path.join(os.path.abspath(out_root), "release")
        config.CourseDirectory.db_url = "sqlite:///" + os.path.join(tmp, "gradebook.db")
        config.Application.log_level = "WARNING"
        config.GenerateAssignment.post_convert_hook = None     # renamed below, in out_root
        if os.path.isdir(dest):
            shutil.rmtree(dest)
        api = NbGraderAPI(config=config)
        result = api.generate_assignment(ASSIGNMENT, force=True, create=True)
        if not result.get("success"):
            raise RuntimeError("nbgrader generate_assignment failed:\n%s\n%s"
                               % (result.get("error", ""), result.get("log", "")))
    # The config's hook already stubbed the .py files; doing it again here keeps
    # release/ correct even with a config that lost the hook.
    stub_release_tree(SOURCE_DIR, dest)
    rename_package(dest, *package_names())
    stamp_release(dest, load(SOURCE_DIR))
    leaks = [path for path, text in _texts(dest) if any(m in text for m in MARKERS)]
    if leaks:
        raise RuntimeError("release files still hold solution or hidden-test markers: %s" % leaks)
    return dest


def _texts(folder):
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                with open(path, encoding="utf-8") as f:
                    yield path, f.read()
            except (UnicodeDecodeError, OSError):
                continue

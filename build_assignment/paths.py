"""Where things are: the course root, the assignment, and what never gets copied."""
import os

from autograder.assignment import default_folder, load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_DIR = str(default_folder())
ASSIGNMENT = os.path.basename(SOURCE_DIR)
# nbgrader finds an assignment at <course root>/source/<id>: the folder above source/.
COURSE_ROOT = os.path.dirname(os.path.dirname(SOURCE_DIR))
RUBRIC = os.path.join(SOURCE_DIR, "rubric.json")
NOTEBOOKS = tuple("%s.ipynb" % name for name in load(SOURCE_DIR).notebooks)
# The embedded dataset the solutions notebooks are executed on (`make data`),
# and the environment variable that points them at it.
EMBEDDED_DATA = str(load(SOURCE_DIR).embedded_data_dir)
DATA_ENVIRONMENT = load(SOURCE_DIR).data_environment

# Never part of a generated folder: caches, checkpoints, local data copies,
# and the assignment's hidden side (grading/).
EXCLUDED_NAMES = ("__pycache__", ".ipynb_checkpoints", "datasets", ".pytest_cache", "grading")
EXCLUDED_SUFFIXES = (".pyc",)

# The delimiters nbgrader uses (its defaults; matched as substrings of a line).
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)


def release_dir(out_root):
    return os.path.join(out_root, "release", ASSIGNMENT)


def solutions_dir(out_root):
    return os.path.join(out_root, "solutions", ASSIGNMENT)


def is_excluded(name):
    return name in EXCLUDED_NAMES or name.endswith(EXCLUDED_SUFFIXES)


def package_names():
    """(the package folder's name in source/, the course's name for it in release/ and solutions/)."""
    task = load(SOURCE_DIR)
    return task.source_package, task.package


def source_files(base=SOURCE_DIR):
    """Every file under `base` (relative paths, sorted), without the excluded ones."""
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not is_excluded(d))
        for name in sorted(filenames):
            if not is_excluded(name):
                found.append(os.path.relpath(os.path.join(dirpath, name), base))
    return sorted(found)

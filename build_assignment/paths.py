"""Where things are: the course root, the assignment, and what never gets copied."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = "rnn_captioning"
SOURCE_DIR = os.path.join(ROOT, "source", ASSIGNMENT)
RUBRIC = os.path.join(SOURCE_DIR, "rubric.json")
NOTEBOOKS = ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb")
# The embedded dataset the solutions notebooks are executed on (`make data`).
EMBEDDED_DATA = os.path.join(ROOT, "datasets", "synthetic_captioning")

# Never part of a generated folder: caches, checkpoints, local data copies, and
# source/<assignment>/grading/ (the grader's corpus: complete correct solutions).
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


def source_files(base=SOURCE_DIR):
    """Every file under `base` (relative paths, sorted), without the excluded ones."""
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not is_excluded(d))
        for name in sorted(filenames):
            if not is_excluded(name):
                found.append(os.path.relpath(os.path.join(dirpath, name), base))
    return sorted(found)

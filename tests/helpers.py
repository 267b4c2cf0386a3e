"""What several test files share: where things are, the assignment, and
grading a submission as a user would (`python -m autograder grade` in a
fresh interpreter)."""
import fcntl
import hashlib
import json
import os
import shutil
import zipfile
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder import assignment  # noqa: E402
from autograder.grade import grade_in_subprocess  # noqa: E402
from autograder.scoring import part_scores  # noqa: E402,F401

TASK = assignment.load()
SOURCE = TASK.folder
RELEASE = ROOT / "release" / TASK.id
SOLUTIONS = ROOT / "solutions" / TASK.id
DATA_DIR = ROOT / "datasets" / TASK.grading.DATA_NAME
PARTS = TASK.parts
AUTO_POINTS = TASK.max_score()
mutants = TASK.grading_module("quality.mutants")
patching = TASK.grading_module("patching")
classic = TASK.grading_module("quality.classic")
LIMITS = TASK.grading_module("tolerances").LIMITS


def run_grader(submission, out_dir, *extra, env=None, timeout=900):
    """Run the grader CLI; returns (CompletedProcess, results dict or None).
    extra: "-k", EXPR and/or "--isolation", LEVEL."""
    options = dict(zip(extra[::2], extra[1::2]))
    return grade_in_subprocess(submission, out_dir, select=options.get("-k"),
                               isolation=options.get("--isolation"), env=env, timeout=timeout)


def failing_parts(results):
    return {t["extra_data"]["part"] for t in results["tests"] if t["status"] == "failed"}


def check_titles(part_id):
    return [check.title for check in PARTS[part_id].checks]


def tree_digest(folder):
    """One hash of every file's relative path and bytes under folder."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def once_for_all_workers(tmp_path_factory, name, make):
    """make(root) -> a JSON-able result, run once per test session whichever xdist worker
    asks first (the others wait on a lock and read it back); root is a fresh folder
    shared by the workers. Returns (root, result)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent      # the folder all xdist workers share
    root = shared / name
    with open(shared / (name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / (name + ".json")
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)     # half-made by a failed attempt
            root.mkdir(parents=True)
            done.write_text(json.dumps(make(root)))
    return root, json.loads(done.read_text())


DATASET_IMAGES = 5100             # more than the old 5000-entry limit on the whole zip


def whole_folder_zip(path, folder=SOLUTIONS, images=DATASET_IMAGES):
    """The assignment folder zipped as a student would: the data get_datasets.py made
    (thousands of PNGs and a large feature file), notebook checkpoints, caches."""
    top = TASK.id
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                archive.write(file, "%s/%s" % (top, file.relative_to(folder).as_posix()))
        data = "%s/datasets/synthetic_captioning" % top
        for i in range(images):
            archive.writestr("%s/images/train2014/train_%05d.png" % (data, i), b"\x89PNG tiny")
        archive.writestr("%s/train2014_vgg16_fc7.h5" % data, b"\0" * (120 << 20))   # ~120 KB compressed
        archive.writestr("%s/.ipynb_checkpoints/RNN_Captioning-checkpoint.ipynb" % top, "{}")
        archive.writestr("%s/%s/.ipynb_checkpoints/rnn_layers-checkpoint.py" % (top, TASK.package), "x = 1\n")
        archive.writestr("%s/%s/__pycache__/rnn_layers.cpython-311.pyc" % (top, TASK.package), b"\0" * 100)
        # a stray copy of a graded file inside the data must never be picked
        archive.writestr("%s/rnn_layers.py" % data, "raise SystemExit('never read')\n")
    return path

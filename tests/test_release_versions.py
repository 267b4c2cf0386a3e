"""Versioned releases: the build stamps rubric.json's version into the release (release.json,
the notebooks' metadata); the grader notes a submission from another release; selfcheck.py
names the files a newer published release changed; and `captioning-build --patch` updates a
worked-on student folder without touching the student's code or answers."""
import json
import os
import shutil
import subprocess
import sys

from build_assignment.manifest import file_digests, students_edit
from helpers import RELEASE, ROOT, SOLUTIONS, TASK, run_grader
from uploads.release_stamp import MANIFEST, NOTEBOOK_KEY

NOTEBOOK = "RNN_Captioning.ipynb"
LAYERS = "%s/rnn_layers.py" % TASK.package
PROVIDED = "%s/check_data.py" % TASK.package


def test_the_release_carries_its_version_and_the_digest_of_every_file():
    manifest = json.loads((RELEASE / MANIFEST).read_text())
    assert manifest["version"] == TASK.release_version == json.loads((RELEASE / "rubric.json").read_text())["version"]
    assert manifest["files"] == file_digests(RELEASE)
    assert set(manifest["students_edit"]) == {LAYERS, "%s/classifiers/rnn.py" % TASK.package,
                                              "RNN_Captioning.ipynb", "LSTM_Captioning.ipynb"}
    for folder in (RELEASE, SOLUTIONS):
        for name in TASK.notebooks:
            notebook = json.loads((folder / ("%s.ipynb" % name)).read_text())
            assert notebook["metadata"][NOTEBOOK_KEY] == {"assignment": TASK.id, "version": TASK.release_version}


def cells_of(folder):
    return json.loads((folder / NOTEBOOK).read_text())["cells"]


def write_notebook(folder, cells, version=None):
    notebook = json.loads((folder / NOTEBOOK).read_text())
    notebook["cells"] = cells
    if version:
        notebook["metadata"][NOTEBOOK_KEY]["version"] = version
    (folder / NOTEBOOK).write_text(json.dumps(notebook, indent=1) + "\n")


def set_version(folder, version):
    rubric = json.loads((folder / "rubric.json").read_text())
    rubric["version"] = version
    (folder / "rubric.json").write_text(json.dumps(rubric, indent=1) + "\n")
    for name in TASK.notebooks:
        path = folder / ("%s.ipynb" % name)
        notebook = json.loads(path.read_text())
        notebook["metadata"][NOTEBOOK_KEY]["version"] = version
        path.write_text(json.dumps(notebook, indent=1) + "\n")


def write_manifest(folder, version):
    manifest = {"assignment": TASK.id, "version": version, "students_edit": students_edit(TASK),
                "files": file_digests(folder)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def locked(cell):
    grading = cell["metadata"].get("nbgrader", {})
    return grading.get("locked") and not grading.get("solution")


def a_newer_release(tmp_path):
    """Release 1.1: a provided module, a locked instruction cell, an answer cell's placeholder and a
    stub changed, a locked cell added."""
    new = shutil.copytree(RELEASE, tmp_path / "new" / TASK.id)
    set_version(new, "1.1")
    (new / PROVIDED).write_text((new / PROVIDED).read_text() + "\n# fixed in 1.1\n")
    (new / LAYERS).write_text((new / LAYERS).read_text().replace("TODO", "TODO (see the 1.1 notes)", 1))
    cells = cells_of(new)
    changed = next(i for i, cell in enumerate(cells) if cell["cell_type"] == "markdown" and locked(cell))
    cells[changed]["source"] = "The instructions, corrected in 1.1.\n"
    added = dict(cells[changed], id="added-in-1-1", source="A note added in 1.1.\n")
    cells.insert(changed + 1, added)
    answer = next(cell for cell in cells if cell["metadata"].get("nbgrader", {}).get("solution"))
    answer["source"] = "YOUR ANSWER HERE (a placeholder reworded in 1.1)\n"     # never over a student's answer
    write_notebook(new, cells)
    write_manifest(new, "1.1")
    return new, cells[changed]["id"]


def a_worked_on_folder(tmp_path):
    """Release 1.0 with the student's code, an answer and a scratch cell of their own."""
    student = shutil.copytree(RELEASE, tmp_path / "student" / TASK.id)
    shutil.copyfile(SOLUTIONS / LAYERS, student / LAYERS)
    cells = cells_of(student)
    answer = next(cell for cell in cells if cell["metadata"].get("nbgrader", {}).get("solution"))
    answer["source"] = "My answer: words carry more meaning per step than characters.\n"
    scratch = next(cell for cell in cells if "nbgrader" not in cell["metadata"])
    scratch["source"] = "print('my scratch work')\n"
    write_notebook(student, cells)
    return student, answer, scratch


def build_command(*args):
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_ASSIGNMENT"}
    return subprocess.run([sys.executable, "-m", "build_assignment", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env)


def test_a_patch_updates_what_students_do_not_edit_and_never_their_work(tmp_path):
    new, changed_id = a_newer_release(tmp_path)
    student, answer, scratch = a_worked_on_folder(tmp_path)
    work = (student / LAYERS).read_bytes()
    proc = build_command("--patch", str(RELEASE), str(new), "--out", str(tmp_path / "patches"))
    assert proc.returncode == 0, proc.stderr
    [patch] = list((tmp_path / "patches").glob("*.py"))
    assert patch.name == "%s_patch_%s_to_1.1.py" % (TASK.id, TASK.release_version)

    dry = subprocess.run([sys.executable, str(patch), "--dry-run"], cwd=student, capture_output=True, text=True)
    assert dry.returncode == 0 and "would update release" in dry.stdout
    assert json.loads((student / "rubric.json").read_text())["version"] == TASK.release_version

    applied = subprocess.run([sys.executable, str(patch)], cwd=student, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    assert (student / PROVIDED).read_bytes() == (new / PROVIDED).read_bytes()
    assert (student / LAYERS).read_bytes() == work                      # the student's code, untouched
    assert "not changed: %s is yours" % LAYERS in applied.stdout
    assert json.loads((student / "rubric.json").read_text())["version"] == "1.1"
    assert (student / MANIFEST).read_bytes() == (new / MANIFEST).read_bytes()
    cells = {cell["id"]: cell for cell in cells_of(student)}
    assert cells[changed_id]["source"] == "The instructions, corrected in 1.1.\n"
    ids = [cell["id"] for cell in cells_of(student)]
    assert ids[ids.index(changed_id) + 1] == "added-in-1-1"
    assert cells[answer["id"]]["source"] == answer["source"]            # the answer, untouched
    assert cells[scratch["id"]]["source"] == scratch["source"]          # and the student's own cell
    assert json.loads((student / NOTEBOOK).read_text())["metadata"][NOTEBOOK_KEY]["version"] == "1.1"
    assert not list(student.rglob("*.before-patch"))

    again = subprocess.run([sys.executable, str(patch)], cwd=student, capture_output=True, text=True)
    assert again.returncode == 0 and "already release 1.1" in again.stdout
    other = shutil.copytree(RELEASE, tmp_path / "other" / TASK.id)
    set_version(other, "0.9")
    refused = subprocess.run([sys.executable, str(patch)], cwd=other, capture_output=True, text=True)
    assert refused.returncode == 2 and "this folder is release 0.9" in refused.stderr


def test_a_patch_needs_two_versions_of_one_release(tmp_path):
    proc = build_command("--patch", str(RELEASE), str(RELEASE), "--out", str(tmp_path))
    assert proc.returncode == 2 and "both releases are version" in proc.stderr
    proc = build_command("--patch", str(RELEASE), str(tmp_path), "--out", str(tmp_path))
    assert proc.returncode == 2 and "cannot be read as a release manifest" in proc.stderr


def test_selfcheck_names_the_files_a_newer_published_release_changed(tmp_path):
    new, _ = a_newer_release(tmp_path)
    student, _, _ = a_worked_on_folder(tmp_path)
    shutil.copyfile(new / MANIFEST, student.parent / "latest_release.json")
    env = dict(os.environ, **{TASK.data_environment: str(TASK.embedded_data_dir)})
    proc = subprocess.run([sys.executable, "selfcheck.py", "rnn_step_forward"], cwd=student, capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    first = proc.stdout.split("\n\n")[0]
    assert "This folder is release %s of the assignment; your instructor published release 1.1." \
        % TASK.release_version in first
    assert "you do not edit them): %s, rubric.json." % PROVIDED in first
    assert "Files you edit whose released version changed" in first and LAYERS in first and NOTEBOOK in first


def test_the_grader_notes_a_submission_from_another_release(tmp_path):
    submission = shutil.copytree(SOLUTIONS, tmp_path / TASK.id, ignore=shutil.ignore_patterns("__pycache__"))
    set_version(submission, "0.9")
    proc, results = run_grader(submission, tmp_path / "out", "-k", "rnn_step_forward")
    assert proc.returncode == 0, proc.stderr
    assert "your notebooks come from release 0.9 of the assignment, and the current release is %s" \
        % TASK.release_version in results["output"]
    assert results["extra_data"]["versions"]["submitted_release"] == "0.9"
    proc, results = run_grader(SOLUTIONS, tmp_path / "current", "-k", "rnn_step_forward")
    assert "come from release" not in results["output"]
    assert results["extra_data"]["versions"]["submitted_release"] == TASK.release_version

"""The Gradescope bundle, end to end: build the zip, unpack it into a folder that
stands in for /autograder (GRADESCOPE_ROOT), run its setup.sh offline (the
apt/pip step is skipped by GRADESCOPE_PYTHON, which reuses this interpreter),
then run_autograder on real uploads, as Gradescope would, one after another."""
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder import paths
from autograder.gradescope_bundle import GRADING_DEPENDENCIES
from helpers import AUTO_POINTS, PARTS, RELEASE, ROOT, SOLUTIONS, TASK


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, synthetic_data_dir):
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    proc = subprocess.run([sys.executable, "-m", "autograder", "gradescope-bundle", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


def _environment(gradescope_root):
    env = dict(os.environ, GRADESCOPE_ROOT=str(gradescope_root), GRADESCOPE_PYTHON=sys.executable)
    env.pop("AUTOGRADER_DATA_DIR", None)       # the bundle must use its own data
    return env


@pytest.fixture(scope="module")
def gradescope_root(bundle, tmp_path_factory):
    """Gradescope's image build: the zip unpacked in ROOT/source, run_autograder
    copied to ROOT, setup.sh run once (offline)."""
    root = tmp_path_factory.mktemp("autograder_root")
    source = root / "source"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(source)
        for info in archive.infolist():       # extractall drops the mode bits unzip would keep
            os.chmod(source / info.filename, (info.external_attr >> 16) & 0o777)
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    proc = subprocess.run(["bash", str(source / "setup.sh")], env=_environment(root),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "grader ready" in proc.stdout
    return root


def run_autograder(root, fill_upload, *args):
    """A fresh /autograder/submission filled by fill_upload(folder); returns results.json."""
    upload, results = root / "submission", root / "results"
    for folder in (upload, results):
        shutil.rmtree(folder, ignore_errors=True)
    upload.mkdir()
    fill_upload(upload)
    proc = subprocess.run([str(root / "run_autograder"), *args], cwd=root, env=_environment(root),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (results / "results.json").is_file(), proc.stdout + proc.stderr
    results = json.loads((results / "results.json").read_text())
    assert results["stdout_visibility"] == "hidden" and results["visibility"] == "visible"
    return results


def _total(results):
    """(score, maximum); the tests' rounded shares must add up to both."""
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]), abs=1e-3)
    assert results["extra_data"]["max_score"] == pytest.approx(sum(t["max_score"] for t in results["tests"]),
                                                               abs=1e-3)
    return results["score"], results["extra_data"]["max_score"]


# ------------------------------------------------------------------ the zip
def test_zip_holds_the_grader_and_nothing_secret_outside_its_folders(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        texts = {name: archive.read(name) for name in names}
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= set(names)
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    for name in names:
        top = name.split("/")[0]
        assert top in {"setup.sh", "run_autograder", "requirements.txt", "autograder", "uploads", "source", "datasets"}, name
        assert "solutions" not in name.split("/") and not name.startswith(("tests/", ".git"))
        assert "__pycache__" not in name and not name.endswith(".ipynb")
    # by allow-list, what the grading package imports: not its quality side (the corpus, the
    # mutants' near-solutions, calibration, the copy check's material), not patching.py
    assert not any(name.startswith("source/rnn_captioning/grading/quality/") for name in names)
    assert "source/rnn_captioning/grading/patching.py" not in names
    assert "source/rnn_captioning/grading/overfit_check.py" in names
    assert "source/rnn_captioning/rubric.json" in names
    # The reference (the source, with its markers) lives only where the sandbox
    # hides it: under a folder the grader counts as secret.
    secret = {folder.name for folder in paths.SECRET_DIRS}
    with_markers = [name for name, data in texts.items() if b"### BEGIN SOLUTION" in data]
    assert "source/rnn_captioning/captioning/rnn_layers.py" in with_markers
    assert all(name.split("/")[0] in secret for name in with_markers), with_markers
    # Only the data files load_coco_data(pca_features=True) reads.
    data = sorted(n.split("/")[-1] for n in names if n.startswith("datasets/"))
    assert data == sorted(["coco2014_captions.h5", "coco2014_vocab.json", "train2014_urls.txt",
                           "val2014_urls.txt", "train2014_vgg16_fc7_pca.h5", "val2014_vgg16_fc7_pca.h5"])
    requirements = texts["requirements.txt"].decode().split()
    assert [r.split(">")[0].split("=")[0].split("<")[0] for r in requirements] == \
        list(GRADING_DEPENDENCIES) + list(TASK.grading.RUNTIME_DEPENDENCIES)
    assert not any("nbgrader" in r for r in requirements)
    assert bundle.stat().st_size < 15e6


def test_setup_hides_the_reference_and_checks(gradescope_root):
    for folder in ("source", "autograder"):
        assert not (gradescope_root / "source" / folder).stat().st_mode & 0o077
    assert (gradescope_root / "source" / ".python").read_text().strip() == sys.executable


# ------------------------------------------------------------ the uploads
def test_solutions_folder_gets_every_automatic_point(gradescope_root):
    results = run_autograder(gradescope_root, lambda up: shutil.copytree(SOLUTIONS, up / "rnn_captioning"))
    assert _total(results) == (AUTO_POINTS, AUTO_POINTS)
    assert all(t["status"] == "passed" for t in results["tests"])
    assert results["output_format"] == "md" and "Automatic score" in results["output"]
    assert "`rnn_captioning/captioning` in your upload" in results["output"]


def test_untouched_release_gets_nothing(gradescope_root):
    # Its contents, not the folder: the other accepted shape.
    results = run_autograder(gradescope_root, lambda up: shutil.copytree(RELEASE, up, dirs_exist_ok=True))
    assert _total(results) == (0, AUTO_POINTS)


def _two_files(upload):
    shutil.copy(SOLUTIONS / "captioning" / "rnn_layers.py", upload)
    shutil.copy(SOLUTIONS / "captioning" / "classifiers" / "rnn.py", upload)


def test_just_the_two_graded_files_get_every_automatic_point(gradescope_root):
    results = run_autograder(gradescope_root, _two_files)
    assert _total(results) == (AUTO_POINTS, AUTO_POINTS)
    assert "graded classifiers/rnn.py: `rnn.py` in your upload" in results["output"]


def test_a_zip_of_the_two_files_is_unpacked(gradescope_root, tmp_path):
    _two_files(tmp_path)

    def upload_zip(upload):
        with zipfile.ZipFile(upload / "work.zip", "w") as archive:
            for name in ("rnn_layers.py", "rnn.py"):
                archive.write(tmp_path / name, "my files/" + name)
    results = run_autograder(gradescope_root, upload_zip, "-k", "rnn_step_forward")
    # -k lists only the selected checks, all passed.
    assert results["score"] == pytest.approx(PARTS["rnn_step_forward"].points)
    assert results["tests"] and all(t["status"] == "passed" for t in results["tests"])
    assert "`my files/rnn_layers.py` in `work.zip`" in results["output"]


def _no_python(upload):
    (upload / "notes.txt").write_text("I did it all in my head")
    (upload / "picture.png").write_bytes(b"\x89PNG not really")


def _broken_zip(upload):
    (upload / "submission.zip").write_bytes(b"PK\x03\x04 this is not a zip file at all")


@pytest.mark.parametrize("fill", [_no_python, _broken_zip, lambda upload: None], ids=["no-python", "broken-zip",
                                                                                     "empty"])
def test_garbage_gets_zero_and_says_why(gradescope_root, fill):
    results = run_autograder(gradescope_root, fill)
    assert _total(results) == (0, AUTO_POINTS)
    assert "No `rnn_layers.py` was found in your upload" in results["output"]
    assert "Accepted uploads" in results["output"]
    assert all("could not be read" in t["output"] for t in results["tests"])
    if fill is _broken_zip:
        assert "`submission.zip` could not be unpacked" in results["output"]


def test_a_fault_of_the_grader_still_leaves_results(tmp_path, monkeypatch):
    """In-process, no bundle: the grader raising gives 0 and "tell your instructor"."""
    from autograder import gradescope_run

    def broken(*args, **kwargs):
        raise RuntimeError("simulated grader fault")
    monkeypatch.setattr(gradescope_run, "grade_submission", broken)
    (tmp_path / "submission").mkdir()
    _two_files(tmp_path / "submission")
    results = gradescope_run.grade_upload(tmp_path)
    written = json.loads((tmp_path / "results" / "results.json").read_text())
    assert written == results and written["score"] == 0 and written["tests"] == []
    assert "Tell your instructor" in written["output"] and written["stdout_visibility"] == "hidden"


# ------------------------------------------ the same uploads as `grade` (issue 11, points 1, 5, 7)
def _whole_folder_zip(upload):
    from test_submissions import whole_folder_zip
    whole_folder_zip(upload / "rnn_captioning.zip")


def _whole_folder_unpacked(upload):
    from test_submissions import whole_folder_zip
    with zipfile.ZipFile(whole_folder_zip(upload.parent / "unpacked.zip")) as archive:
        archive.extractall(upload)


def _two_files_zipped_in_a_folder(upload):
    (upload / "work").mkdir()
    with zipfile.ZipFile(upload / "work" / "mine.zip", "w") as archive:
        archive.write(SOLUTIONS / "captioning" / "rnn_layers.py", "deep/er/rnn_layers.py")
        archive.write(SOLUTIONS / "captioning" / "classifiers" / "rnn.py", "deep/er/classifiers/rnn.py")


UPLOADS = {"folder": lambda up: shutil.copytree(SOLUTIONS, up / "rnn_captioning"),
           "contents": lambda up: shutil.copytree(SOLUTIONS, up, dirs_exist_ok=True),
           "two loose files": _two_files,
           "two files zipped in a folder": _two_files_zipped_in_a_folder,
           "whole folder zipped, with datasets/": _whole_folder_zip,
           "whole folder unpacked, with datasets/": _whole_folder_unpacked}


@pytest.mark.parametrize("shape", sorted(UPLOADS))
def test_grade_and_gradescope_accept_the_same_uploads(gradescope_root, tmp_path, shape):
    from helpers import run_grader
    results = run_autograder(gradescope_root, UPLOADS[shape], "-k", "rnn_step_forward")
    local = tmp_path / "upload"
    local.mkdir()
    UPLOADS[shape](local)
    proc, graded = run_grader(local, tmp_path / "out", "-k", "rnn_step_forward")
    assert proc.returncode == 0, proc.stderr
    expected = PARTS["rnn_step_forward"].points
    assert results["score"] == pytest.approx(expected), results["output"]
    assert graded["score"] == pytest.approx(expected), graded["output"]
    assert [t["status"] for t in results["tests"]] == [t["status"] for t in graded["tests"]]


def test_report_title_names_the_upload_not_a_temporary_path(gradescope_root):
    results = run_autograder(gradescope_root, _whole_folder_zip, "-k", "rnn_step_forward")
    title = results["output"].splitlines()[0]
    assert title == "# Grade report: your upload: `rnn_captioning.zip`", title
    assert "/tmp/" not in results["output"] and "gradescope-" not in results["output"]


# ------------------------------------------ points on Gradescope (issue 11, point 13)
def _readme_outline():
    """{item: points} from the Gradescope outline table of docs/gradescope.md."""
    section = (ROOT / "docs" / "gradescope.md").read_text()
    rows = re.findall(r"^\s*\| ([^|]+?) \| (\d+) \|", section, re.M)
    return {item: int(points) for item, points in rows}


def test_readme_outline_matches_the_rubric_and_the_bundle(gradescope_root):
    outline = _readme_outline()
    manual = {p.title: p.points for p in PARTS.values() if p.kind == "manual"}
    assert outline.pop("Autograder") == AUTO_POINTS
    assert outline.pop("total") == AUTO_POINTS + sum(manual.values())
    assert outline == manual
    # what the bundle reports: every check's points add up to the autograder item
    results = run_autograder(gradescope_root, lambda up: shutil.copytree(RELEASE, up / "rnn_captioning"))
    assert _total(results) == (0, AUTO_POINTS)
    for title, points in manual.items():
        assert "%s (%g points)" % (title, points) in results["output"]
    # and what students read in their README
    student = (RELEASE / "README.md").read_text()
    assert "%g points" % AUTO_POINTS in student
    assert "%g points each" % next(iter(set(manual.values()))) in student and len(set(manual.values())) == 1


def test_a_stopped_container_keeps_the_checks_that_finished(gradescope_root):
    """Gradescope stops a container at its time or memory limit: the checks
    graded before that stay in results.json, with a headline that says so."""
    upload, results = gradescope_root / "submission", gradescope_root / "results"
    for folder in (upload, results):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(SOLUTIONS, upload / "rnn_captioning")
    proc = subprocess.Popen([str(gradescope_root / "run_autograder")], cwd=gradescope_root,
                            env=_environment(gradescope_root), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline, seen = time.monotonic() + 300, {}
    try:
        while time.monotonic() < deadline and len(seen.get("tests", [])) < 5:
            time.sleep(0.2)
            try:
                seen = json.loads((results / "results.json").read_text())
            except (OSError, ValueError):
                continue
    finally:
        os.killpg(proc.pid, signal.SIGKILL)      # as the container's end: nothing runs after it
        proc.wait()
    stopped = json.loads((results / "results.json").read_text())
    assert 5 <= len(stopped["tests"]) < len(list(TASK.checks())), len(stopped["tests"])
    assert stopped["output"].startswith("Grading did not finish")
    # A check on the notebook's inputs counts only once its part passes on the other
    # inputs too; cut off before those ran, it says so instead of passing.
    waiting = [t for t in stopped["tests"] if t["status"] != "passed"]
    assert all("passes, but the notebook's inputs" in t["output"] for t in waiting), waiting
    assert len(stopped["tests"]) - len(waiting) >= 4
    assert 0 < stopped["score"] == pytest.approx(sum(t["score"] for t in stopped["tests"]), abs=1e-3)

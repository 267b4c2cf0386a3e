"""What a student can hand in (issue 11, points 1 and 5): one locate function
(uploads.locate) decides for `grade`, for Gradescope and for the copy check, and only
what the grader reads counts towards the limits, so zipping the whole
assignment folder (datasets, checkpoints and all) is fine.

Unit tests call submission.prepare directly (no student code runs); the others
grade with `python -m autograder grade` in a subprocess. The Gradescope side
of the same uploads is in test_gradescope_bundle.py."""
import shutil
import zipfile

import pytest

from autograder import submission
from helpers import SOLUTIONS, TASK, run_grader, whole_folder_zip

PACKAGE = TASK.package


def prepared(upload, tmp_path):
    return submission.prepare(upload, tmp_path / "work", TASK)


def test_whole_folder_zip_with_datasets_is_read_within_the_limits(tmp_path):
    archive = whole_folder_zip(tmp_path / "whole.zip")
    assert len(zipfile.ZipFile(archive).infolist()) > 5000
    ready = prepared(archive, tmp_path)
    copied = sorted(p.relative_to(ready.scratch_dir / PACKAGE).as_posix()
                    for p in (ready.scratch_dir / PACKAGE).rglob("*.py"))
    for graded in TASK.graded_files.values():
        assert graded in copied
        assert (ready.scratch_dir / PACKAGE / graded).read_bytes() == (SOLUTIONS / PACKAGE / graded).read_bytes()
    assert not any("checkpoint" in name for name in copied)
    assert not any("refused" in note or "limit" in note or "too large" in note for note in ready.notes), ready.notes
    assert "graded the package `%s/%s` in `whole.zip`" % (TASK.id, PACKAGE) in ready.notes


def test_limits_still_apply_to_what_is_read(tmp_path):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(submission.MAX_ZIP_FILES + 1):
            zf.writestr("%s/extra/module_%05d.py" % (PACKAGE, i), "")
    with pytest.raises(submission.SubmissionError, match="Python files outside datasets"):
        prepared(archive, tmp_path)


def test_two_loose_files_are_assembled_into_the_package(tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    for graded in TASK.graded_files.values():
        shutil.copy(SOLUTIONS / PACKAGE / graded, upload)
    ready = prepared(upload, tmp_path)
    for graded in TASK.graded_files.values():
        assert (ready.scratch_dir / PACKAGE / graded).is_file()
    assert any(note.startswith("graded classifiers/rnn.py: `rnn.py`") for note in ready.notes), ready.notes


@pytest.mark.parametrize("shape", ["notebooks only", "empty folder", "files in datasets/"])
def test_nothing_to_grade_is_one_line_reason(tmp_path, shape):
    upload = tmp_path / "upload"
    upload.mkdir()
    if shape == "notebooks only":
        for name in ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb"):
            shutil.copy(SOLUTIONS / name, upload)
    elif shape == "files in datasets/":
        (upload / "datasets").mkdir()
        shutil.copy(SOLUTIONS / PACKAGE / "rnn_layers.py", upload / "datasets")
    with pytest.raises(submission.SubmissionError) as raised:
        prepared(upload, tmp_path)
    reason = str(raised.value)
    assert "\n" not in reason and "no %s/rnn_layers.py found" % PACKAGE in reason


# ------------------------------------------------------------ real gradings
def test_grading_the_whole_folder_zip(tmp_path):
    archive = whole_folder_zip(tmp_path / "whole.zip")
    proc, results = run_grader(archive, tmp_path / "out", "-k", "rnn_step_forward")
    assert proc.returncode == 0, proc.stderr
    assert results["tests"] and all(t["status"] == "passed" for t in results["tests"])
    assert "limit" not in results["output"]


def test_grade_accepts_two_loose_files(tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    for graded in TASK.graded_files.values():
        shutil.copy(SOLUTIONS / PACKAGE / graded, upload)
    proc, results = run_grader(upload, tmp_path / "out", "-k", "rnn_step_forward or rnn_sample")
    assert proc.returncode == 0, proc.stderr
    assert results["score"] == TASK.parts["rnn_step_forward"].points + TASK.parts["rnn_sample"].points

"""Batch grading and the commands' answers to bad input (issue 11 points 3, 11, 12; issue 10 "Batch").

Real gradings throughout (`python -m autograder ...` in a subprocess, the
sandbox included), kept fast with `-k` selections."""
import csv
import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from helpers import ROOT, SOLUTIONS, TASK, mutants

QUICK = "rnn_step"                      # two parts, seven checks: a grading takes about a second


def autograder(*args, timeout=600, env=None):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)


def run_batch(folder, out, *extra, env=None):
    return autograder("grade-batch", folder, "--out", out, "--jobs", "2", "-k", QUICK, *extra, env=env)


def copy_submission(source, destination):
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    return destination


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def zip_folder(folder, zip_path, prefix=""):
    with zipfile.ZipFile(zip_path, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, prefix + str(path.relative_to(folder)))
    return zip_path


def one_line_reason(stderr):
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return len(lines) == 1 and "Traceback" not in stderr


# ---------------------------------------------------------- bad input
def _missing_path(tmp):
    return tmp / "no_such_submission"


def _corrupt_zip(tmp):
    path = tmp / "corrupt.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file" * 10)
    return path


def _empty_zip(tmp):
    path = tmp / "empty.zip"
    zipfile.ZipFile(path, "w").close()
    return path


def _notebook_only(tmp):
    folder = tmp / "notebooks_only"
    folder.mkdir()
    for notebook in SOLUTIONS.glob("*.ipynb"):
        shutil.copy(notebook, folder)
    return folder


def _wrongly_nested_zip(tmp):
    """The assignment zipped, that zip zipped, and that zip zipped again."""
    inner = zip_folder(SOLUTIONS, tmp / "inner.zip", prefix="rnn_captioning/")
    middle = tmp / "middle.zip"
    with zipfile.ZipFile(middle, "w") as archive:
        archive.write(inner, "inner.zip")
    outer = tmp / "nested.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(middle, "submission/middle.zip")
    return outer


UNREADABLE = {"corrupt zip": _corrupt_zip, "empty zip": _empty_zip,
              "notebook-only folder": _notebook_only, "wrongly nested zip": _wrongly_nested_zip}


@pytest.mark.parametrize("case", ["grade-batch: missing folder", "grade-batch: empty folder",
                                  "grade-batch: --out is a file", "grade: --out is a file",
                                  "grade: missing path", "similarity: missing folder"]
                         + ["grade: %s" % name for name in UNREADABLE])
def test_bad_input_gets_a_nonzero_exit_and_a_one_line_reason(case, tmp_path):
    command, _, what = case.partition(": ")
    out = tmp_path / "out"
    if command == "similarity":
        proc = autograder("similarity", tmp_path / "no_such_batch", "--out", out, "--quiet")
        assert proc.returncode == 2 and one_line_reason(proc.stderr) and "no_such_batch" in proc.stderr
        return
    if command == "grade-batch":
        folder = tmp_path / "submitted"
        if what == "empty folder":
            folder.mkdir()
        elif what == "--out is a file":
            copy_submission(SOLUTIONS, folder / "alice")
            out.write_text("an existing file")
        proc = run_batch(folder, out)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert one_line_reason(proc.stderr), proc.stderr
        expected = {"missing folder": "does not exist", "empty folder": "holds no submissions",
                    "--out is a file": "is a file"}[what]
        assert expected in proc.stderr
        assert not (out / "grades.csv").exists()          # no silent all-zero summary
        return
    if what == "missing path":          # as grade-batch: exit 2, nothing written
        proc = autograder("grade", _missing_path(tmp_path), "--out", out, "-k", QUICK)
        assert proc.returncode == 2 and one_line_reason(proc.stderr) and "does not exist" in proc.stderr
        assert not out.exists()
        return
    if what == "--out is a file":
        out.write_text("an existing file")
        proc = autograder("grade", SOLUTIONS, "--out", out, "-k", "rnn_step_forward")
        assert proc.returncode == 2 and one_line_reason(proc.stderr) and "is a file" in proc.stderr
        assert out.read_text() == "an existing file"
        return
    # Unreadable submissions: exit 3 and the reason, reports still written...
    submission = UNREADABLE[what](tmp_path)
    proc = autograder("grade", submission, "--out", out, "-k", QUICK)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert one_line_reason(proc.stderr) and "could not be read" in proc.stderr, proc.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == 0 and all(t["status"] == "failed" for t in results["tests"])
    # ... and in a batch: status "unreadable" with the reason, listed in the summary, never a silent zero.
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.move(str(submission), folder / submission.name)
    proc = run_batch(folder, tmp_path / "graded")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (row,) = [r for r in read_csv(tmp_path / "graded" / "grades.csv") if r["student"] != "(max points)"]
    assert row["status"] == "unreadable" and row["note"] and row["automatic_total"] == ""
    assert row["student"] in (tmp_path / "graded" / "summary.md").read_text().split("## Needs your attention")[1]
    assert "could not grade %s: unreadable" % row["student"] in proc.stdout


def test_similarity_is_one_of_the_kit_commands(tmp_path):
    folder = tmp_path / "submitted"
    copy_submission(SOLUTIONS, folder / "alice" / "rnn_captioning")
    mutants.make_mutant(SOLUTIONS, folder / "bob" / "rnn_captioning", "rnn_step_backward_no_tanh_derivative")
    proc = autograder("similarity", folder, "--out", tmp_path / "sim", "--quiet")
    assert proc.returncode in (0, 1), proc.stderr
    assert "2 submissions" in proc.stdout
    rows = read_csv(tmp_path / "sim" / "similarity.csv")
    assert rows and (tmp_path / "sim" / "similarity.html").is_file()


# -------------------------------------------------------------- a batch
def test_batch_statuses_grades_csv_lms_export_and_class_summary(tmp_path):
    folder = tmp_path / "submitted"
    copy_submission(SOLUTIONS, folder / "alice" / "rnn_captioning")
    mutants.make_mutant(SOLUTIONS, folder / "bob" / "rnn_captioning", "rnn_step_backward_no_tanh_derivative")
    zip_folder(SOLUTIONS / "captioning", folder / "carol.zip", prefix="captioning/")
    _corrupt_zip(tmp_path).rename(folder / "dan.zip")
    out = folder / "graded"                                # inside the batch folder: not a submission
    proc = run_batch(folder, out, "--similarity")
    assert proc.returncode == 1, proc.stderr                # dan could not be graded
    assert "ETA" in proc.stderr                             # the progress bar

    rows = read_csv(out / "grades.csv")
    parts = list(TASK.parts.values())
    assert [r["student"] for r in rows] == ["(max points)", "alice", "bob", "carol", "dan"]
    maximum = rows[0]
    assert all(float(maximum[p.id]) == p.points for p in parts)
    assert float(maximum["automatic_total"]) == TASK.max_score()
    by_name = {r["student"]: r for r in rows}
    assert [by_name[n]["status"] for n in ("alice", "bob", "carol", "dan")] == ["graded"] * 3 + ["unreadable"]
    assert float(by_name["alice"]["rnn_step_backward"]) == 6 and float(by_name["bob"]["rnn_step_backward"]) == 0
    assert float(by_name["carol"]["automatic_total"]) == 10
    manual = [p.id for p in parts if p.kind == "manual"]
    assert manual and all(by_name["alice"][m] == "" for m in manual)        # filled in after grading by hand
    assert by_name["alice"]["rnn_loss"] == ""                                # not run (-k)
    assert by_name["dan"]["automatic_total"] == "" and "zip" in by_name["dan"]["note"]

    assert read_csv(out / "lms_grades.csv") == [
        {"student_id": "alice", "total": "10"}, {"student_id": "bob", "total": "4"},
        {"student_id": "carol", "total": "10"}, {"student_id": "dan", "total": ""}]

    summary = (out / "summary.md").read_text()
    assert "4 submissions: 3 graded, 1 could not be graded" in summary
    assert "| [dan](dan/report.html) | unreadable |" in summary.split("## Needs your attention")[1]
    # bob's failing checks of rnn_step_backward that name his mistake: one row for the mistake,
    # with the catalogued hint's text, whatever the number of checks
    failed = summary.split("## Mistakes")[1].split("\n## ")[0]
    assert failed.count("| `tanh_derivative` | 1 of 3 | rnn_step_backward | [bob](bob/report.html): ") == 1
    assert "1 - tanh(a)**2" in failed and failed.count("\n| `") == 1
    html = (out / "summary.html").read_text()
    assert html.count("data:image/png;base64,") == 2        # totals, score per part
    assert 'href="similarity/similarity.html"' in html and (out / "similarity" / "similarity.html").is_file()
    status = json.loads((out / "bob" / "status.json").read_text())
    assert status["status"] == "graded" and len(status["kit_version"]) == 16


def test_regrading_depends_on_content_kit_and_options_not_timestamps(tmp_path):
    folder = tmp_path / "submitted"
    alice = copy_submission(SOLUTIONS, folder / "alice" / "rnn_captioning")
    copy_submission(SOLUTIONS, folder / "bob" / "rnn_captioning")
    out = tmp_path / "graded"
    assert run_batch(folder, out).returncode == 0
    stamp = {n: (out / n / "status.json").stat().st_mtime_ns for n in ("alice", "bob")}
    # Newer timestamps, a notebook added: nothing to grade.
    for path in (folder / "alice").rglob("*"):
        path.touch()
    shutil.copy(next(SOLUTIONS.glob("*.ipynb")), alice)
    proc = run_batch(folder, out)
    assert proc.returncode == 0 and "(0 now, 2 up to date)" in proc.stdout, proc.stdout
    # A graded file changed: only that student is graded again.
    layers = alice / "captioning" / "rnn_layers.py"
    layers.write_text(layers.read_text() + "\n# edited\n")
    proc = run_batch(folder, out)
    assert "(1 now, 1 up to date)" in proc.stdout, proc.stdout
    assert (out / "bob" / "status.json").stat().st_mtime_ns == stamp["bob"]
    assert (out / "alice" / "status.json").stat().st_mtime_ns != stamp["alice"]
    # Other hidden inputs (another grading option): both again.
    import os
    proc = run_batch(folder, out, env=dict(os.environ, AUTOGRADER_HIDDEN_SEED="7"))
    assert "(2 now, 0 up to date)" in proc.stdout, proc.stdout


def test_kit_version_follows_grading_code_reference_and_rubric_but_not_the_quality_side(tmp_path):
    from autograder import assignment
    from autograder.versions import kit_version
    folder = tmp_path / "affine_assignment"
    shutil.copytree(ROOT / "tests" / "fixtures" / "affine_assignment", folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    task = assignment.load(folder)
    first = kit_version(task)
    assert kit_version(task) == first
    quality = folder / "grading" / "quality"
    (quality / "corpus").mkdir(parents=True)
    (quality / "__init__.py").write_text("")
    (quality / "corpus" / "c01.py").write_text("x = 1\n")
    (quality / "mutants.py").write_text("WRONG = 1\n")
    assert kit_version(task) == first
    for changed in (folder / "rubric.json", next((folder / "grading").glob("*.py")),
                    next(task.reference_package_dir.rglob("*.py"))):
        before = kit_version(task)
        changed.write_text(changed.read_text() + "\n")
        assert kit_version(task) != before, changed


def test_without_scheduler_dask_is_not_imported(tmp_path):
    folder = tmp_path / "submitted"
    copy_submission(SOLUTIONS, folder / "alice")
    code = ("import sys; from autograder.cli import main; "
            "code = main(['grade-batch', %r, '--out', %r, '-k', 'rnn_step_forward', '--quiet']); "
            "assert code == 0, code; "
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')); "
            "assert not loaded, loaded" % (str(folder), str(tmp_path / "out")))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


# ------------------------------------------------------------------ help
INSTALLED_AS = {"autograder": "captioning-autograder", "nbgrader_bridge": "captioning-nbgrader"}


@pytest.mark.parametrize("command", [("autograder", "grade"), ("autograder", "grade-batch"),
                                     ("autograder", "gradescope-bundle"), ("autograder", "similarity"),
                                     ("nbgrader_bridge", "import-grades")])
def test_help_gives_examples_exit_status_and_layout(command):
    module, name = command
    proc = subprocess.run([sys.executable, "-m", module, name, "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "examples:" in text and "exit status:" in text, text
    assert "%s %s " % (INSTALLED_AS[module], name) in text.split("examples:")[1]
    if name in ("grade-batch", "import-grades"):
        assert "layout" in text and "<student>" in text, text
    assert "seed" not in text.lower()

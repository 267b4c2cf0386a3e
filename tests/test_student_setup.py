"""A student's own machine (issue 11, points 1 and 10): the release says how to
set up (requirements.txt, one line in its README), get_datasets.py shows
progress at once, and `python selfcheck.py --zip` writes exactly the files to
submit, in a zip that the grader and Gradescope's locate both accept."""
import ast
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile

import nbformat
from packaging.requirements import Requirement

from autograder import submission
from autograder.sandbox import Limits

try:
    import tomllib
except ImportError:                       # Python 3.10
    import tomli as tomllib
from helpers import RELEASE, ROOT, SOLUTIONS, TASK, run_grader

# Import name -> distribution, where they differ.
DISTRIBUTIONS = {"PIL": "pillow", "IPython": "ipykernel"}


def requirements():
    lines = (RELEASE / "requirements.txt").read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def imported_modules(folder):
    """Top-level modules imported by the folder's .py files and notebooks' code cells."""
    sources = [path.read_text() for path in folder.rglob("*.py")]
    for notebook in folder.glob("*.ipynb"):
        sources += [cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]
    found = set()
    for source in sources:
        tree = ast.parse(re.sub(r"(?m)^[%!].*$", "", source))      # IPython magics
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_release_requirements_cover_every_import_and_are_met_here():
    names = {req.name.lower() for req in requirements()}
    third_party = imported_modules(RELEASE) - set(sys.stdlib_module_names) - {TASK.package}
    assert third_party, "the scan found no import"
    missing = {module for module in third_party if DISTRIBUTIONS.get(module, module).lower() not in names}
    assert not missing, "requirements.txt lacks %s" % missing
    # Jupyter, to open the notebooks (they use IPython magics)
    assert {"jupyterlab", "ipykernel"} <= names
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    kit = {Requirement(spec).name.lower(): Requirement(spec).specifier for spec in pyproject}
    for req in requirements():
        version = importlib.metadata.version(req.name)
        assert req.specifier.contains(version, prereleases=True), (req, version)
        if req.name.lower() in kit:
            assert req.specifier == kit[req.name.lower()], "%s: %s here, %s in pyproject.toml" % (
                req.name, req.specifier, kit[req.name.lower()])


def test_release_readme_has_a_one_line_setup_and_how_to_submit():
    readme = (RELEASE / "README.md").read_text()
    setup = readme.split("## Setup", 1)[1].split("## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", setup, re.S)
    assert len(commands) == 1 and commands[0].strip().count("\n") == 0, commands
    assert "pip install -r requirements.txt" in commands[0] and "get_datasets.py" in commands[0]
    how = readme.split("## How to submit", 1)[1]
    assert "python selfcheck.py --zip" in how and "%s_submission.zip" % TASK.id in how
    for notebook in ("RNN_Captioning", "LSTM_Captioning"):
        intro = nbformat.read(RELEASE / (notebook + ".ipynb"), as_version=4).cells[0].source
        assert "How to submit" in intro and "python selfcheck.py --zip" in intro


def test_get_datasets_shows_progress_within_its_first_seconds(tmp_path):
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(RELEASE / "get_datasets.py"), "--out", str(tmp_path / "data")],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        os.set_blocking(proc.stderr.fileno(), False)
        seen = b""
        while time.monotonic() - started < 3 and b"%|" not in seen:
            seen += proc.stderr.read() or b""
            time.sleep(0.1)
        assert b"%|" in seen, seen
        assert time.monotonic() - started < 3
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert b"Making the synthetic dataset" in proc.stdout.read()


def test_progress_bar_follows_the_generator_to_the_end(tmp_path):
    spec = importlib.util.spec_from_file_location("release_get_datasets", RELEASE / "get_datasets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    class Bar:
        n, total, desc, stages = 0, None, "", []

        def update(self, k):
            self.n += k

        def set_description(self, desc):
            self.stages.append(desc)

    bar = Bar()
    module.generate_with_progress(str(tmp_path / "tiny"), bar, num_train=40, num_val=10)
    assert bar.n == bar.total
    assert bar.stages == ["drawing scenes", "rendering images", "image features", "PCA", "written"]
    # the generator itself is as it was: its functions are restored
    assert module.scenes.render_scene.__name__ == "render_scene"


# ------------------------------------------------------------ selfcheck --zip
def test_rubric_names_the_graded_files_the_grader_grades():
    settings = json.loads((RELEASE / "rubric.json").read_text())
    assert settings["graded_files"] == TASK.graded_files


def student_copy(folder, tmp_path):
    """The assignment folder as a student has it: data, checkpoints, caches."""
    copy = tmp_path / TASK.id
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "datasets" / "synthetic_captioning").mkdir(parents=True)
    (copy / "datasets" / "synthetic_captioning" / "notes.py").write_text("x = 1\n")
    (copy / ".ipynb_checkpoints").mkdir()
    (copy / ".ipynb_checkpoints" / "RNN_Captioning-checkpoint.ipynb").write_text("{}")
    (copy / TASK.package / "scratch.py").write_text("# my own experiments\n")
    return copy


def run_selfcheck(folder, *args):
    return subprocess.run([sys.executable, "selfcheck.py", *args], cwd=folder,
                          env=dict(os.environ, CAPTIONING_DATA=str(ROOT / "datasets" / "synthetic_captioning")),
                          capture_output=True, text=True, timeout=600)


def test_selfcheck_zip_writes_exactly_the_files_to_submit_and_the_grader_takes_it(tmp_path):
    folder = student_copy(SOLUTIONS, tmp_path)
    proc = run_selfcheck(folder, "--zip", "rnn_step_forward", "lstm_sample")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    archive = folder / ("%s_submission.zip" % TASK.id)
    expected = ["%s/%s" % (TASK.package, path) for path in TASK.graded_files.values()] + \
        ["RNN_Captioning.ipynb", "LSTM_Captioning.ipynb"]
    assert zipfile.ZipFile(archive).namelist() == expected
    assert "Wrote %s" % archive.name in proc.stdout
    # the grader
    proc, results = run_grader(archive, tmp_path / "out", "-k", "rnn_step_forward or lstm_sample")
    assert proc.returncode == 0, proc.stderr
    assert results["score"] == TASK.parts["rnn_step_forward"].points + TASK.parts["lstm_sample"].points
    # Gradescope unpacks an uploaded zip into its submission folder: locate finds the package
    upload = tmp_path / "gradescope_upload"
    zipfile.ZipFile(archive).extractall(upload)
    found, notes = submission.locate(upload, tmp_path / "staging", TASK)
    assert found == upload and "graded the package `%s` in your upload" % TASK.package in notes


def test_selfcheck_zip_of_the_untouched_release(tmp_path):
    folder = student_copy(RELEASE, tmp_path)
    proc = run_selfcheck(folder, "--zip", "rnn_step_forward")
    assert proc.returncode == 1                      # the part checked is not implemented
    assert len(zipfile.ZipFile(folder / ("%s_submission.zip" % TASK.id)).namelist()) == 4


def test_selfcheck_zip_refuses_without_the_graded_files(tmp_path):
    folder = student_copy(RELEASE, tmp_path)
    (folder / TASK.package / "rnn_layers.py").unlink()
    proc = run_selfcheck(folder, "--zip", "lstm_sample")
    assert proc.returncode == 2 and "Not written" in proc.stderr
    assert not (folder / ("%s_submission.zip" % TASK.id)).exists()


def test_release_readme_states_the_grading_rules_with_their_defined_figures():
    """The figures a student reads in "How your code is graded" are the ones the grader uses."""
    text = (RELEASE / "README.md").read_text()
    rules = text[text.index("## How your code is graded"):text.index("## How to submit")]
    settings = json.loads((RELEASE / "rubric.json").read_text())
    assert "%d seconds of CPU time per grading" % settings["time_budget_seconds"] in rules
    check_data = TASK.reference().module("check_data")
    graded, notebook = check_data.GRADED_OVERFIT_SETTINGS, check_data.OVERFIT_SETTINGS
    flat = " ".join(rules.split())
    assert "below %g for the RNN and %g for the LSTM" % (graded["rnn"]["threshold"], graded["lstm"]["threshold"]) in flat
    describe = TASK.grading_module("quality.overfit_spread").describe
    assert "The RNN's: %s" % describe(graded["rnn"]) in flat
    assert "The LSTM's: %s" % describe(graded["lstm"]) in flat
    assert "(whose thresholds are %g and %g)" % (notebook["rnn"]["threshold"], notebook["lstm"]["threshold"]) in flat
    automatic = sum(p.points for p in TASK.parts.values() if p.kind == "auto")
    manual = sum(p.points for p in TASK.parts.values() if p.kind == "manual")
    assert "(%g by the autograder, %g for the" % (automatic, manual) in rules
    assert '"preserve_dtype"' in rules and "time_budget_seconds" in rules
    idle_seconds = Limits().idle_seconds
    assert "waits without computing (`time.sleep`, `input()`, a lock) for %g seconds is stopped" % idle_seconds \
        in " ".join(rules.split())


def test_the_release_never_names_the_documents_the_assignment_comes_from():
    """Students read "the notebook's inputs" and "the published values", never our
    word for the source documents (random seeds, `np.random.seed(231)`, are fine)."""
    offending = []
    for path in sorted(RELEASE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".md", ".ipynb", ".json", ".txt"):
            text = path.read_text(errors="replace").lower()
            offending += ["%s: %s" % (path.relative_to(RELEASE), word)
                          for word in ("seed_case", "the seeds", "seeds'", "seed document") if word in text]
    assert not offending, offending

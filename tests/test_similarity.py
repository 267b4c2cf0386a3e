"""Similarity detection (`python -m similarity`): real code, no mocks.

One batch is built once per module: the kit's correct solution, a disguised
copy of it per disguise kind and one with all of them, independently written
correct solutions (tests/similarity_fixtures/independent), the untouched
release, and broken entries (corrupt zip, empty files, a 10 MB file, a syntax
error, a non-UTF-8 file). run_similarity runs on it once.
"""
import csv
import itertools
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import RELEASE, ROOT

sys.path.insert(0, str(ROOT))
from autograder.assignment import load  # noqa: E402
from similarity import THRESHOLD, run_similarity  # noqa: E402
from similarity.reading import read_submission  # noqa: E402
from uploads.wording import counted  # noqa: E402

disguise = load().grading_module("quality.similarity_disguise")
FIXTURES = ROOT / "tests" / "similarity_fixtures" / "independent"
INDEPENDENT = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
DISGUISES = list(disguise.KINDS) + ["all"]
CORPUS = ROOT / "source" / "rnn_captioning" / "grading" / "quality" / "corpus"
LAYERS = "captioning/rnn_layers.py"
MODEL = "captioning/classifiers/rnn.py"
IGNORE = shutil.ignore_patterns("__pycache__", "*.ipynb", "datasets")


def copy_assignment(source, dest):
    shutil.copytree(source, dest, ignore=IGNORE)
    return dest


def make_disguise(correct, dest, kind):
    kinds = list(disguise.KINDS) if kind == "all" else [kind]
    return disguise.disguise_folder(correct, dest, kinds, seed=len(dest.name))


def zip_folder(folder, zip_path, top=""):
    with zipfile.ZipFile(zip_path, "w") as archive:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                archive.write(path, str(Path(top) / path.relative_to(folder)))
    return zip_path


@pytest.fixture(scope="module")
def batch(correct_submission, tmp_path_factory):
    root = tmp_path_factory.mktemp("similarity")
    folder = root / "batch"
    folder.mkdir()
    copy_assignment(correct_submission, folder / "solution")
    for kind in DISGUISES:
        make_disguise(correct_submission, folder / ("copy_" + kind), kind)
    for name in INDEPENDENT:
        copy_assignment(RELEASE, folder / ("indep_" + name))
        for relative in (LAYERS, MODEL):
            shutil.copyfile(FIXTURES / name / relative, folder / ("indep_" + name) / relative)
    copy_assignment(RELEASE, folder / "untouched")
    # Broken entries: each must get a row, none may stop the run.
    (folder / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    empty = folder / "empty" / "rnn_captioning" / "captioning"
    (empty / "classifiers").mkdir(parents=True)
    (empty / "rnn_layers.py").write_text("")
    (empty / "classifiers" / "rnn.py").write_text("\n\n")
    huge = folder / "huge"
    huge.mkdir()
    with open(huge / "rnn_layers.py", "w") as f:
        line = "x = 1  # " + "padding " * 12 + "\n"
        f.write(line * (10 * (1 << 20) // len(line) + 1))
    shutil.copyfile(Path(correct_submission) / MODEL, huge / "rnn.py")
    broken = copy_assignment(correct_submission, folder / "syntax_error")
    text = (broken / LAYERS).read_text()
    (broken / LAYERS).write_text(text.replace("def rnn_forward(x, h0, Wx, Wh, b):",
                                              "def rnn_forward(x, h0, Wx, Wh, b)", 1))
    latin = copy_assignment(correct_submission, folder / "latin1")
    data = (latin / LAYERS).read_bytes()
    (latin / LAYERS).write_bytes(data.replace(b"import numpy as np", b"import numpy as np  # caf\xe9", 1))
    out = root / "out"
    result = run_similarity(folder, out, progress=False)
    return {"folder": folder, "out": out, "result": result}


def pair_of(result, a, b):
    for pair in result.pairs:
        if {pair.a, pair.b} == {a, b}:
            return pair
    return None


def score_of(result, a, b):
    pair = pair_of(result, a, b)
    return pair.score if pair else 0.0


@pytest.mark.parametrize("kind", DISGUISES)
def test_disguised_copy_is_flagged_with_its_regions(batch, kind):
    pair = pair_of(batch["result"], "solution", "copy_" + kind)
    assert pair is not None and pair.flagged, "copy_%s scored %s" % (kind, pair and pair.score)
    assert pair.score >= THRESHOLD
    for regions in (pair.regions_a, pair.regions_b):
        assert set(regions) == {"rnn_layers.py", "rnn.py"}
        assert sum(last - first + 1 for first, last in regions["rnn_layers.py"]) > 50


def test_disguises_keep_the_behaviour(correct_submission, tmp_path):
    """The disguised copies are real solutions: the kit's selfcheck passes on one with every disguise."""
    copy = make_disguise(correct_submission, tmp_path / "all", "all")
    assert disguise.comprehension_applies((Path(correct_submission) / LAYERS).read_text()), \
        "the comprehension rewrites no longer match the solutions: update disguise.COMPREHENSIONS"
    assert (copy / LAYERS).read_text() != (Path(correct_submission) / LAYERS).read_text()
    proc = subprocess.run([sys.executable, "selfcheck.py"], cwd=copy, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_independent_solutions_are_not_flagged(batch):
    result = batch["result"]
    names = ["solution"] + ["indep_" + n for n in INDEPENDENT]
    scores = {(a, b): score_of(result, a, b) for a, b in itertools.combinations(names, 2)}
    highest = max(scores.values())
    print("highest score between independent solutions: %.3f %s" % (highest, max(scores, key=scores.get)))
    assert highest < THRESHOLD - 0.1, scores


def test_untouched_release_is_similar_to_nothing(batch):
    result = batch["result"]
    assert all(p.score == 0 for p in result.pairs if "untouched" in (p.a, p.b))
    status = {s.name: s for s in result.submissions}["untouched"].status
    assert "stubs" in status


def test_every_broken_entry_gets_a_row(batch):
    with open(batch["out"] / "similarity.csv", encoding="utf-8") as f:
        rows = {r["a"]: r["note"] for r in csv.DictReader(f) if r["kind"] == "submission"}
    assert "zip file is damaged" in rows["corrupt"]
    assert "rnn_layers.py: empty" in rows["empty"] and "rnn.py: empty" in rows["empty"]
    assert "too large" in rows["huge"]
    assert "syntax error at line" in rows["syntax_error"] and "rnn_forward" in rows["syntax_error"]
    assert "not UTF-8" in rows["latin1"]
    result = batch["result"]
    # What could be read is still compared: the copies inside the broken entries are found.
    assert pair_of(result, "solution", "syntax_error").flagged
    assert pair_of(result, "solution", "latin1").flagged
    huge = pair_of(result, "solution", "huge")
    assert huge.flagged and "rnn.py" in huge.regions_b and "rnn_layers.py" not in huge.regions_b


def test_reports_are_written(batch):
    out, result = batch["out"], batch["result"]
    for name in ("similarity.csv", "similarity.html", "similarity.png", "summary.md"):
        assert (out / name).stat().st_size > 0
    assert (out / "similarity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (out / "similarity.html").read_text()
    assert html.count('class="pair"') == len(result.flagged)
    assert 'class="m"' in html
    summary = (out / "summary.md").read_text()
    assert "**%s flagged**" % counted(len(result.flagged), "pair") in summary
    with open(out / "similarity.csv", encoding="utf-8") as f:
        ranked = [float(r["score"]) for r in csv.DictReader(f) if r["kind"] == "pair"]
    assert ranked == sorted(ranked, reverse=True)


def test_html_escapes_student_text(correct_submission, tmp_path):
    folder = tmp_path / "batch"
    for name in ("one", "two"):
        copy = copy_assignment(correct_submission, folder / name)
        text = (copy / LAYERS).read_text()
        (copy / LAYERS).write_text(text.replace(
            "    next_h = np.tanh(", "    tag = '</pre><script>alert(1)</script>'\n    next_h = np.tanh(", 1))
    run_similarity(folder, tmp_path / "out", progress=False)
    html = (tmp_path / "out" / "similarity.html").read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_student_code_is_never_run(correct_submission, tmp_path):
    marker = tmp_path / "was_run"
    folder = tmp_path / "batch"
    for name in ("one", "two"):
        copy = copy_assignment(correct_submission, folder / name)
        (copy / LAYERS).write_text("open(%r, 'w').write('ran')\nraise SystemExit(3)\n" % str(marker)
                                   + (copy / LAYERS).read_text())
    result = run_similarity(folder, tmp_path / "out", progress=False)
    assert not marker.exists()
    assert pair_of(result, "one", "two").flagged


def test_layouts_the_grader_accepts(correct_submission, tmp_path):
    """nbgrader's submitted/<student>/rnn_captioning, the folder's contents zipped, loose files, a zip in a folder."""
    folder = tmp_path / "submitted"
    copy_assignment(correct_submission, folder / "nb_student" / "rnn_captioning")
    contents = copy_assignment(correct_submission, tmp_path / "contents")
    zip_folder(contents, folder / "zipped_contents.zip")
    loose = folder / "loose"
    loose.mkdir(parents=True)
    shutil.copyfile(Path(correct_submission) / LAYERS, loose / "rnn_layers.py")
    shutil.copyfile(Path(correct_submission) / MODEL, loose / "rnn.py")
    inner = folder / "zip_in_folder"
    inner.mkdir()
    zip_folder(contents, inner / "upload.zip", top="rnn_captioning")
    result = run_similarity(folder, tmp_path / "out", progress=False)
    names = ["nb_student", "zipped_contents", "loose", "zip_in_folder"]
    for a, b in itertools.combinations(names, 2):
        pair = pair_of(result, a, b)
        assert pair is not None and pair.score > 0.95, (a, b, pair)
    assert not result.problems


@pytest.mark.parametrize("package", ["cs231n", "deeplearning", "mml", "captioning"])
def test_reference_solutions_in_every_packaging(correct_submission, tmp_path, package):
    """A student who copied a known solution is flagged against it, whatever its package is called."""
    known = tmp_path / "known"
    repo = known / "someone_github" / "assignment3" / package
    (repo / "classifiers").mkdir(parents=True)
    shutil.copyfile(Path(correct_submission) / LAYERS, repo / "rnn_layers.py")
    shutil.copyfile(Path(correct_submission) / MODEL, repo / "classifiers" / "rnn.py")
    zip_folder(known / "someone_github", known / "zipped_repo.zip")
    folder = tmp_path / "batch"
    make_disguise(correct_submission, folder / "cheater", "all")
    copy_assignment(RELEASE, folder / "honest")
    for relative in (LAYERS, MODEL):
        shutil.copyfile(FIXTURES / INDEPENDENT[0] / relative, folder / "honest" / relative)
    result = run_similarity(folder, tmp_path / "out", reference=known, progress=False)
    flagged = {(p.a, p.b) for p in result.flagged}
    assert flagged == {("cheater", "ref:someone_github"), ("cheater", "ref:zipped_repo")}
    assert all(p.reference for p in result.flagged)


def test_cli_help_and_exit_codes(correct_submission, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "similarity", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and "examples:" in proc.stdout and "exit status" in proc.stdout
    folder = tmp_path / "batch"
    copy_assignment(correct_submission, folder / "a")
    make_disguise(correct_submission, folder / "b", "rename")
    command = [sys.executable, "-m", "similarity", str(folder), "--out", str(tmp_path / "out"), "--quiet"]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "FLAG" in proc.stdout and "threshold %.2f: 1 pair flagged" % THRESHOLD in proc.stdout
    shutil.rmtree(folder / "b")
    copy_assignment(RELEASE, folder / "b")
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "similarity", str(tmp_path / "missing"), "--out",
                           str(tmp_path / "o")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "missing" in proc.stderr


def test_reading_refuses_what_the_grader_refuses(tmp_path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("../../escape/rnn_layers.py", "x = 1\n")
        archive.writestr("captioning/rnn_layers.py", "def rnn_forward(x, h0, Wx, Wh, b):\n    return x\n")
    submission = read_submission(bad)
    assert any("outside the submission" in note for note in submission.notes)
    assert submission.files["rnn_layers.py"].where == "captioning/rnn_layers.py"
    link_target = tmp_path / "secret.py"
    link_target.write_text("SECRET = 1\n")
    linked = tmp_path / "linked" / "captioning"
    linked.mkdir(parents=True)
    (linked / "rnn_layers.py").symlink_to(link_target)
    assert read_submission(tmp_path / "linked").files["rnn_layers.py"].problem == "missing"


@pytest.mark.skipif(not (CORPUS / "correct").is_dir(), reason="no corpus of independent solutions in this checkout")
def test_corpus_of_independent_solutions_is_not_flagged(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("corpus_materialize", CORPUS / "materialize.py")
    materialize = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(materialize)
    folder = tmp_path / "corpus"
    for variant in sorted((CORPUS / "correct").glob("*.py")):
        materialize.materialize(variant, RELEASE, folder / variant.stem)
    result = run_similarity(folder, tmp_path / "out", progress=False)
    top = result.pairs[0]
    print("highest score in the corpus: %.3f (%s, %s)" % (top.score, top.a, top.b))
    assert not result.flagged, [(p.a, p.b, p.score) for p in result.flagged]


def test_whole_folder_zips_are_compared_and_stray_files_listed(tmp_path):
    """The zips students are told to submit (the whole folder, data and checkpoints in it, at the
    top of the batch or inside nbgrader's submitted/<student>/) are compared like any other;
    a file that is not a submission gets its own row with the reason."""
    from helpers import SOLUTIONS, whole_folder_zip
    folder = tmp_path / "submitted"
    (folder / "inside").mkdir(parents=True)
    whole_folder_zip(folder / "whole.zip")
    whole_folder_zip(folder / "inside" / "rnn_captioning.zip")
    copy_assignment(SOLUTIONS, folder / "plain")
    (folder / "notes.txt").write_text("grade these please\n")
    result = run_similarity(folder, tmp_path / "out", progress=False)
    for a, b in itertools.combinations(["whole", "inside", "plain"], 2):
        pair = pair_of(result, a, b)
        assert pair is not None and pair.flagged and pair.score > 0.95, (a, b, pair)
    rows = {s.name: s for s in result.submissions}
    assert rows["whole"].status == rows["inside"].status == "compared"
    assert rows["whole"].files["rnn_layers.py"]["where"] == "rnn_captioning/captioning/rnn_layers.py"
    assert rows["inside"].files["rnn_layers.py"]["where"] == "rnn_captioning.zip/rnn_captioning/captioning/rnn_layers.py"
    assert not rows["whole"].notes and not rows["inside"].notes
    assert rows["notes.txt"].status == "not compared" and "not a submission" in rows["notes.txt"].notes[0]
    with open(tmp_path / "out" / "similarity.csv", encoding="utf-8") as f:
        noted = {r["a"]: r["note"] for r in csv.DictReader(f) if r["kind"] == "submission"}
    assert "not a submission" in noted["notes.txt"]

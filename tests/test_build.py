"""The build of release/ and solutions/ from source/ (build_assignment)."""
import ast
import json
import os
import re

import nbformat
import pytest

from build_assignment.build import build
from build_assignment.compare import differences, executed_problems, output_text
from build_assignment.paths import (BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION,
                                    MARKERS, NOTEBOOKS, ROOT, SOURCE_DIR, release_dir,
                                    solutions_dir, source_files)
from build_assignment.pystubs import SolutionRegionError, stub_python_source
from build_assignment.rubric import check_cell_kinds, graded_cells, load_rubric, sync_points

RELEASE, SOLUTIONS = release_dir(ROOT), solutions_dir(ROOT)
RUBRIC = load_rubric()


def read_nb(path):
    return nbformat.read(path, as_version=4)


def text_files(folder):
    for rel in source_files(folder):
        with open(os.path.join(folder, rel), encoding="utf-8") as f:
            yield rel, f.read()


def notebooks_by_name(folder):
    return {name[:-len(".ipynb")]: read_nb(os.path.join(folder, name)) for name in NOTEBOOKS}


# ---------------------------------------------------------------------------
# A fresh build is what is committed (one build per session, in a temp dir)
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory):
    before = sorted(os.listdir(ROOT))
    out = tmp_path_factory.mktemp("fresh_build")
    timings = build(str(out))
    return {"out": str(out), "timings": timings, "root_before": before,
            "root_after": sorted(os.listdir(ROOT))}


@pytest.mark.slow
def test_committed_release_and_solutions_match_a_fresh_build(fresh_build):
    out = fresh_build["out"]
    diff = ["release/" + d for d in differences(release_dir(out), RELEASE, loose_notebooks=False)]
    diff += ["solutions/" + d for d in differences(solutions_dir(out), SOLUTIONS, loose_notebooks=True)]
    assert diff == [], "committed copies are stale, run `make build`:\n" + "\n".join(diff)
    # ... and the build left no nbgrader debris in the repo (other tests running
    # in parallel may create their own files, so only nbgrader's are checked).
    new = set(fresh_build["root_after"]) - set(fresh_build["root_before"])
    assert not new & {"gradebook.db", "submitted", "autograded", "feedback", "release", "solutions"}, new


# ---------------------------------------------------------------------------
# release/ is clean
# ---------------------------------------------------------------------------

def test_release_has_no_markers_or_hidden_tests():
    for rel, text in text_files(RELEASE):
        for marker in MARKERS:
            assert marker not in text, "%s contains %r" % (rel, marker)
        assert "check_part" not in text and "in_kernel" not in text, rel


def _split_regions(lines):
    """(lines inside solution or hidden-test regions, lines outside them)."""
    inside, secret, public = False, [], []
    for line in lines:
        if BEGIN_SOLUTION in line or BEGIN_HIDDEN in line:
            inside = True
        elif END_SOLUTION in line or END_HIDDEN in line:
            inside = False
        else:
            (secret if inside else public).append(line)
    return secret, public


def secret_lines():
    """Lines of graded solution bodies and hidden tests in source/, minus lines
    that also appear outside any region (those are legitimately public)."""
    secret, public = set(), set()
    for rel, text in text_files(SOURCE_DIR):
        if rel.endswith(".ipynb"):
            for cell in read_nb(os.path.join(SOURCE_DIR, rel)).cells:
                lines = cell.source.split("\n")
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("solution") and BEGIN_SOLUTION not in cell.source:
                    secret.update(lines)          # a whole answer cell is its solution
                    continue
                inside, outside = _split_regions(lines)
                secret.update(inside)
                public.update(outside)
        elif rel.endswith(".py"):
            inside, outside = _split_regions(text.split("\n"))
            secret.update(inside)
            public.update(outside)
    public = {line.strip() for line in public}
    return {line.strip() for line in secret
            if len(re.sub(r"\W", "", line)) >= 6 and line.strip() not in public}


def test_release_holds_no_line_of_a_solution_or_hidden_test():
    secrets = secret_lines()
    assert len(secrets) > 50, "the source should have many solution lines to look for"
    for rel, text in text_files(RELEASE):
        if rel.endswith(".ipynb"):
            nb = read_nb(os.path.join(RELEASE, rel))
            lines = [l for c in nb.cells for l in (c.source + "\n" + output_text(c)).split("\n")]
        else:
            lines = text.split("\n")
        stripped = {line.strip() for line in lines}
        leaked = sorted(stripped & secrets)
        assert leaked == [], "%s holds solution lines: %s" % (rel, leaked[:5])
        long_secrets = [s for s in secrets if len(s) >= 25]
        assert not [s for s in long_secrets if s in text], rel


def test_release_notebooks_have_stubs_and_no_outputs():
    for name in NOTEBOOKS:
        nb = read_nb(os.path.join(RELEASE, name))
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "markdown":
                assert cell.source == "YOUR ANSWER HERE"


def test_release_py_stubs_name_their_function():
    text = open(os.path.join(RELEASE, "captioning", "rnn_layers.py")).read()
    for name in ("rnn_step_forward", "rnn_backward", "word_embedding_backward", "lstm_backward"):
        assert 'raise NotImplementedError("%s is not implemented yet")' % name in text
    text = open(os.path.join(RELEASE, "captioning", "classifiers", "rnn.py")).read()
    assert 'raise NotImplementedError("CaptioningRNN.loss is not implemented yet")' in text
    assert 'raise NotImplementedError("CaptioningRNN.sample is not implemented yet")' in text


# ---------------------------------------------------------------------------
# Points: rubric.json is the one definition
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("folder", [SOURCE_DIR, RELEASE, SOLUTIONS], ids=["source", "release", "solutions"])
def test_rubric_points_equal_notebook_points(folder):
    notebooks = notebooks_by_name(folder)
    assert check_cell_kinds(RUBRIC, notebooks) == []
    for part in RUBRIC["parts"]:
        cell = graded_cells(notebooks[part["notebook"]])[part["id"]]
        assert cell.metadata["nbgrader"]["points"] == part["points"], part["id"]


def test_sync_points_rewrites_only_points_and_is_idempotent(tmp_path):
    for name in NOTEBOOKS:
        (tmp_path / name).write_bytes(open(os.path.join(SOURCE_DIR, name), "rb").read())
    rubric = json.loads(json.dumps(RUBRIC))
    rubric["parts"][0]["points"] += 7
    original = (tmp_path / "RNN_Captioning.ipynb").read_text()
    changes = sync_points(str(tmp_path), rubric)
    assert [c[1] for c in changes] == [rubric["parts"][0]["id"]]
    after = (tmp_path / "RNN_Captioning.ipynb").read_text()
    changed = [(a, b) for a, b in zip(original.split("\n"), after.split("\n")) if a != b]
    assert len(changed) == 1 and '"points"' in changed[0][0], changed
    assert sync_points(str(tmp_path), rubric) == []
    assert (tmp_path / "RNN_Captioning.ipynb").read_text() == after


# ---------------------------------------------------------------------------
# Notebook metadata
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("folder", [SOURCE_DIR, RELEASE, SOLUTIONS], ids=["source", "release", "solutions"])
def test_notebook_metadata_is_valid(folder):
    from nbgrader.nbgraderformat import MetadataValidator
    validator = MetadataValidator()
    for name in NOTEBOOKS:
        nb = read_nb(os.path.join(folder, name))
        nbformat.validate(nb)
        validator.validate_nb(nb)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
        assert len(ids) == len(set(ids)), "duplicate grade_id in %s" % name
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if meta:
                assert meta["schema_version"] == 3


# ---------------------------------------------------------------------------
# solutions/: executed, every visible check PASS
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NOTEBOOKS)
def test_solutions_notebooks_ran_without_errors(name):
    nb = read_nb(os.path.join(SOLUTIONS, name))
    assert executed_problems(nb) == []
    silent = [c.get("id") for c in nb.cells if c.cell_type == "code" and not c.outputs]
    assert silent == ["setup"], "only the setup cell prints nothing"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_visible_check_passes_in_solutions(name):
    nb = read_nb(os.path.join(SOLUTIONS, name))
    outputs = "\n".join(output_text(c) for c in nb.cells if c.cell_type == "code")
    verdicts = re.findall(r"(?m)^(\S+)\n((?:  .*\n)*?)  => (.*)$", outputs)
    checked = {part: verdict for part, _, verdict in verdicts}
    expected = [p["id"] for p in RUBRIC["parts"] if p["notebook"] + ".ipynb" == name and p["kind"] == "auto"]
    if name == "RNN_Captioning.ipynb":
        expected += ["temporal_affine", "temporal_softmax"]
    assert sorted(checked) == sorted(expected)
    assert all(v == "PASS" for v in checked.values()), checked
    for line in outputs.split("\n"):
        assert not re.search(r"\bFAIL\s*$", line), line


def test_solutions_hold_no_hidden_tests_or_markers():
    for rel, text in text_files(SOLUTIONS):
        for marker in MARKERS:
            assert marker not in text, "%s contains %r" % (rel, marker)
        assert "check_part" not in text, rel


def test_solutions_py_files_keep_the_bodies():
    text = open(os.path.join(SOLUTIONS, "captioning", "rnn_layers.py")).read()
    assert "NotImplementedError" not in text
    ast.parse(text)


# ---------------------------------------------------------------------------
# The .py stubber
# ---------------------------------------------------------------------------

def test_stub_is_indented_and_names_the_method():
    src = ("class Model:\n"
           "    def loss(self, x):\n"
           "        \"\"\"Doc.\"\"\"\n"
           "        out = None\n"
           "        ### BEGIN SOLUTION\n"
           "        out = x * 2\n"
           "        ### END SOLUTION\n"
           "        return out\n"
           "\n"
           "def helper(y):\n"
           "    if y:\n"
           "        ### BEGIN SOLUTION\n"
           "        return y\n"
           "        ### END SOLUTION\n"
           "    return 0\n")
    out = stub_python_source(src)
    assert "out = x * 2" not in out and "return y" not in out
    assert '        raise NotImplementedError("Model.loss is not implemented yet")' in out
    assert '        raise NotImplementedError("helper is not implemented yet")' in out
    assert "        # TODO: implement Model.loss" in out
    namespace = {}
    exec(compile(out, "<stub>", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="Model.loss"):
        namespace["Model"]().loss(1)


@pytest.mark.parametrize("src", [
    "def f():\n    ### BEGIN SOLUTION\n    pass\n",                                   # never closed
    "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",  # nested
    "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n",                                  # not in a function
])
def test_stubber_refuses_broken_regions(src):
    with pytest.raises((SolutionRegionError, RuntimeError)):
        stub_python_source(src)


# ---------------------------------------------------------------------------
# The nbgrader extensions of nbgrader_config.py
# ---------------------------------------------------------------------------

def test_feedback_redaction_removes_hidden_lines_from_source_and_outputs():
    from nbgrader_bridge.preprocessors import RedactHiddenTests
    cell = nbformat.v4.new_code_cell(
        'assert show_check("rnn_forward").passed\n'
        "### BEGIN HIDDEN TESTS\n"
        "from nbgrader_bridge.in_kernel import check_part\n"
        'check_part("rnn_forward")\n'
        "### END HIDDEN TESTS")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "rnn_forward", "locked": True,
                                 "points": 5, "solution": False, "schema_version": 3}
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text='check_part("rnn_forward")\nok\n'),
        nbformat.v4.new_output("error", ename="AssertionError", evalue="hidden case 3 failed",
                               traceback=["----> 4 check_part(\"rnn_forward\")",
                                          "File nbgrader_bridge/in_kernel.py:12, secret_inputs = ..."]),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb, _ = RedactHiddenTests().preprocess(nb, {})
    out = nb.cells[0]
    shown = out.source + "\n" + output_text(out) + "\n".join(out.outputs[-1].traceback)
    assert "check_part" not in shown and "in_kernel" not in shown and "HIDDEN" not in shown
    assert 'assert show_check("rnn_forward").passed' in shown
    assert "AssertionError: hidden case 3 failed" in shown


def test_nbgrader_config_closes_the_known_holes():
    from build_assignment.release import load_course_config
    config = load_course_config()
    excluded = config.Autograde.exclude_overwriting["rnn_captioning"]
    assert {"captioning/rnn_layers.py", "captioning/classifiers/rnn.py"} <= set(excluded)
    for rel in excluded:
        assert os.path.exists(os.path.join(SOURCE_DIR, rel)), rel
    assert config.OverwriteCells.add_missing_cells is True
    assert config.Execute.timeout >= 60
    assert config.IgnorePattern.enabled is True
    assert re.search(config.IgnorePattern.pattern,
                     "/x/rnn_layers.py:29: RuntimeWarning: overflow encountered in exp\n  z = np.exp(x)\n")
    assert not re.search(config.IgnorePattern.pattern, "Traceback (most recent call last):\n")
    names = [p.__name__ for p in config.GenerateFeedback.preprocessors]
    assert "RedactHiddenTests" in names


@pytest.mark.slow
def test_nbgrader_autograde_and_feedback_with_the_course_config(tmp_path):
    """The real nbgrader commands on a temporary copy of the course: a correct
    package whose code prints a RuntimeWarning and whose notebook lost a test
    cell gets every automatic point; the untouched release gets 0 (the stubs
    are graded, not the instructor's solution); a stubbed package with a
    forged public_checks.py gets 0 (provided files are restored); the feedback
    HTML shows no hidden-test line."""
    import html
    import shutil

    from nbgrader.api import Gradebook
    from nbgrader_bridge.course import make_course_copy

    course = make_course_copy(tmp_path / "course")
    course.generate_assignment()

    good = course.submit("good")
    for rel in ("rnn_layers.py", "classifiers/rnn.py"):
        shutil.copy(os.path.join(SOLUTIONS, "captioning", rel), good / "captioning" / rel)
    layers = good / "captioning" / "rnn_layers.py"
    layers.write_text(layers.read_text().replace(
        "def rnn_step_forward(x, prev_h, Wx, Wh, b):",
        "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n"
        "    import warnings\n"
        "    warnings.warn('overflow encountered in exp', RuntimeWarning)", 1))
    notebook = good / "RNN_Captioning.ipynb"
    nb = read_nb(notebook)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "rnn_forward"]
    nbformat.write(nb, notebook)
    course.submit("untouched")
    forged = course.submit("forged")
    with open(forged / "captioning" / "public_checks.py", "a") as f:
        f.write("\nrun_check = lambda part: CheckOutcome(part, 'pass')\n")

    course.nbgrader("autograde", "rnn_captioning", "--notebook=RNN_Captioning", "--create", "--force")
    course.nbgrader("generate_feedback", "rnn_captioning", "--notebook=RNN_Captioning", "--force")

    auto_points = {p["id"]: p["points"] for p in RUBRIC["parts"]
                   if p["notebook"] == "RNN_Captioning" and p["kind"] == "auto"}
    with Gradebook(course.gradebook_url) as gb:
        def scores(student):
            sub = gb.find_submission_notebook("RNN_Captioning", "rnn_captioning", student)
            return {g.name: g.auto_score for g in sub.grades if g.name in auto_points}
        assert scores("good") == {k: float(v) for k, v in auto_points.items()}
        assert sum(scores("untouched").values()) == 0
        assert sum(scores("forged").values()) == 0

    hidden = {line.strip() for line in secret_lines() if "check_part" in line}
    assert hidden
    for page in (course.root / "feedback").glob("*/rnn_captioning/RNN_Captioning.html"):
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        assert "HIDDEN TESTS" not in text and not [h for h in hidden if h in text], page

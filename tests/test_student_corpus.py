"""The student-style corpus (source/rnn_captioning/grading/quality/corpus): 42 correct
submissions written the ways students write this assignment, and 43 realistic
mistakes, each declaring every part it must lose and the catalogued hint that
part's report must carry. Every variant goes through the sandboxed grader
(`grade-batch`; an overfit check runs only for the variants whose declaration
concerns it, and both for three correct ones) and through `selfcheck.py`; two go
through `nbgrader autograde` in tests/test_nbgrader_e2e.py. The full sweep,
overfit included, is `make corpus`."""
import concurrent.futures
import importlib.util
import json
import subprocess
import sys

import pytest

from helpers import RELEASE, ROOT, TASK

CORPUS = TASK.folder / "grading" / "quality" / "corpus"
OVERFIT_PARTS = {"overfit_rnn", "overfit_lstm"}
# Correct variants whose training is checked too (the usual loops, `is 'rnn'`, float64 inside).
TRAINED_CORRECT = ("c01_classic_loops", "c03_is_rnn_dict_steps", "c22_promotes_float64")


def _load(name):
    spec = importlib.util.spec_from_file_location("_corpus_test_" + name, CORPUS / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


materialize, verdicts = _load("materialize"), _load("verdicts")
VARIANTS = materialize.all_variants(CORPUS)


# Batch folder -> the checks its variants are graded with (training is most of the suite's time).
BATCHES = {"layers": "not overfit", "trained_rnn": "not overfit_lstm", "trained_lstm": "not overfit_rnn",
           "trained": None}


def batch_of(variant):
    """The batch folder of a variant: which overfit checks its declaration concerns."""
    trained = OVERFIT_PARTS & set(variant.loses)
    if variant.name in TRAINED_CORRECT or trained == OVERFIT_PARTS:
        return "trained"
    return {frozenset(): "layers", frozenset({"overfit_rnn"}): "trained_rnn",
            frozenset({"overfit_lstm"}): "trained_lstm"}[frozenset(trained)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Every variant materialized on the release, in the batch folder of its checks (BATCHES)."""
    root = tmp_path_factory.mktemp("corpus")
    for variant in VARIANTS:
        folder = root / batch_of(variant) / variant.name
        materialize.materialize(variant.path, RELEASE, folder)
    return root


def grade_batch(folder, out, *extra):
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(folder), "--out", str(out),
                           "--jobs", "2", *extra], cwd=ROOT, capture_output=True, text=True, timeout=2400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {path.parent.name: json.loads(path.read_text()) for path in out.glob("*/results.json")}


@pytest.fixture(scope="module")
def corpus_results(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus_graded")
    results = {}
    for batch, select in BATCHES.items():
        if (corpus / batch).is_dir():
            results.update(grade_batch(corpus / batch, out / batch, *(["-k", select] if select else [])))
    return results


def test_the_corpus_is_what_it_declares():
    """The corpus's own in-process check against the reference (numpy only)."""
    proc = subprocess.run([sys.executable, str(CORPUS / "check_corpus.py")], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert len([v for v in VARIANTS if v.kind == "correct"]) >= 40
    assert len([v for v in VARIANTS if v.kind == "bug"]) >= 40


@pytest.mark.slow
def test_every_variant_gets_its_declared_verdict_and_hint(corpus_results):
    """Correct variants get every point; each bug loses exactly its declared parts,
    each with its catalogued hint (or naming the part whose mistake it carries)."""
    assert set(corpus_results) == {v.name for v in VARIANTS}
    problems = ["%s %s: %s" % (variant.name, part, why) for variant in VARIANTS
                for part, why in verdicts.judge(variant, corpus_results[variant.name])]
    assert problems == []
    for variant in VARIANTS:
        if variant.kind == "correct":
            assert corpus_results[variant.name]["score"] == pytest.approx(
                sum(t["max_score"] for t in corpus_results[variant.name]["tests"])), variant.name


def selfcheck(folder):
    proc = subprocess.run([sys.executable, "selfcheck.py", "--json"], cwd=folder, capture_output=True, text=True,
                          timeout=600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_selfcheck_agrees_with_every_declaration(corpus):
    """selfcheck.py (the notebook's visible checks): every correct variant passes
    everywhere; a bug fails exactly its declared parts, but for those its
    declaration says only inputs unlike the notebook's can show. A part that
    fails only because a function it uses fails is 'waiting', never failing
    (the grader judges it with a correct one in place)."""
    folders = {v.name: corpus / batch_of(v) / v.name for v in VARIANTS}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        statuses = dict(zip(folders, pool.map(selfcheck, folders.values())))
    problems = []
    for variant in VARIANTS:
        failing = {part for part, status in statuses[variant.name].items()
                   if status not in ("pass", "manual", "not run", "waiting")}
        waiting = {part for part, status in statuses[variant.name].items() if status == "waiting"}
        if variant.kind == "correct" and waiting:
            problems.append("%s: a correct variant waits in %s" % (variant.name, sorted(waiting)))
        expected = set(variant.loses) - OVERFIT_PARTS - set(variant.selfcheck_misses)
        if failing != expected:
            problems.append("%s: selfcheck fails %s, expected %s" % (variant.name, sorted(failing), sorted(expected)))
    assert problems == []

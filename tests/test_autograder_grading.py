"""Grading the solutions, the untouched release and the typical-mistakes example,
end to end through `python -m autograder grade`."""
import os
import shutil
import zipfile

import numpy as np
import pytest

from autograder.assignment import upstream_closure
from helpers import (AUTO_POINTS, LIMITS, PARTS, RELEASE, SOURCE, TASK, check_titles, classic, failing_parts,
                     mutants, part_scores, patching, run_grader)


def test_solutions_get_every_automatic_point(graded_solutions):
    results = graded_solutions["results"]
    failed = [(t["name"], t["output"]) for t in results["tests"] if t["status"] != "passed"]
    assert failed == []
    assert results["score"] == pytest.approx(AUTO_POINTS)
    for part in PARTS.values():
        if part.kind == "auto":
            assert part_scores(results)[part.id] == pytest.approx(part.points)


def test_results_json_follows_gradescope_schema(graded_solutions):
    results = graded_solutions["results"]
    assert isinstance(results["execution_time"], (int, float)) and "score" in results
    names = [t["name"] for t in results["tests"]]
    assert len(names) == len(set(names))
    expected_rows = sum(len(check_titles(p.id)) for p in PARTS.values() if p.kind == "auto")
    assert len(names) == expected_rows
    for test in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
        assert not PARTS[test["extra_data"]["part"]].kind == "manual"
    assert "Isolation:" in results["output"]


def test_reports_list_manual_parts_and_plot_the_loss_curves(graded_solutions):
    out = graded_solutions["out"]
    markdown = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    for part in PARTS.values():
        if part.kind == "manual":
            assert "%s | manual (%g points)" % (part.title, part.points) in markdown
            assert part.title in html
    assert "data:image/png;base64," in html
    assert "Isolation:" in markdown and "Isolation:" in html


def test_wall_clock_limits_are_at_least_ten_times_the_reference(graded_solutions):
    for test in graded_solutions["results"]["tests"]:
        seconds = test["extra_data"]["seconds"]
        kind = "overfit" if "Overfit" in test["name"] else "numeric" if "numeric" in test["name"] else "layers"
        assert 10 * seconds <= LIMITS[kind].wall_seconds, test["name"]


def release_or_stub(tmp_path):
    """The built release when it is there, else a stubbed copy of the source."""
    layers = RELEASE / "captioning" / "rnn_layers.py"
    if layers.is_file() and "NotImplementedError" in layers.read_text():
        return RELEASE
    return patching.stub_package(SOURCE, tmp_path / "stubbed" / "rnn_captioning")


def test_untouched_release_gets_zero(tmp_path):
    proc, results = run_grader(release_or_stub(tmp_path), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert results["score"] == 0
    assert all(t["status"] == "failed" for t in results["tests"])
    assert all("not implemented" in t["output"] for t in results["tests"] if "Overfit" not in t["name"])


@pytest.mark.slow
def test_typical_mistakes_lose_only_their_parts_and_named_downstream_parts(correct_submission, tmp_path):
    example = mutants.make_typical_mistakes(correct_submission, tmp_path / "typical" / "rnn_captioning")
    proc, results = run_grader(example, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    own = set()
    for name in mutants.TYPICAL_MISTAKES:
        mutant = mutants.MUTANTS_BY_NAME[name]
        own |= {mutant.part, *mutant.also_parts}
    failing = failing_parts(results)
    assert own <= failing
    for part in failing - own:
        upstream = set(upstream_closure(part, PARTS)) & own
        assert upstream, "%s fails but depends on none of the mistakes" % part
        for test in results["tests"]:
            if test["extra_data"]["part"] == part and test["status"] == "failed":
                assert "also fail" in test["output"] and "fix" in test["output"]


def test_zip_and_nbgrader_layouts(correct_submission, tmp_path):
    archive = tmp_path / "submission.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (correct_submission / "captioning").rglob("*.py"):
            zf.write(path, "rnn_captioning/" + str(path.relative_to(correct_submission)))
    nbgrader = tmp_path / "submitted" / "alice" / "rnn_captioning"
    shutil.copytree(correct_submission, nbgrader, ignore=shutil.ignore_patterns("__pycache__"))
    for submission in (archive, nbgrader):
        proc, results = run_grader(submission, tmp_path / ("out_" + submission.name), "-k", "rnn_step")
        assert proc.returncode == 0, proc.stderr
        assert results["tests"] and all(t["status"] == "passed" for t in results["tests"])


def test_submission_without_package_is_graded_zero_with_a_reason(tmp_path):
    (tmp_path / "empty").mkdir()
    proc, results = run_grader(tmp_path / "empty", tmp_path / "out")
    assert proc.returncode == 3, proc.stderr                       # unreadable: exit 3, reports written
    assert results["score"] == 0 and "no captioning/rnn_layers.py" in results["output"]


def test_grader_that_cannot_run_exits_nonzero_with_the_reason(correct_submission, tmp_path):
    env = dict(os.environ, AUTOGRADER_DATA_DIR=str(tmp_path / "missing"))
    proc, results = run_grader(correct_submission, tmp_path / "out", env=env)
    assert proc.returncode == 2 and results is None
    assert "cannot run" in proc.stderr and "dataset" in proc.stderr


def test_correct_code_written_differently_gets_every_point(correct_submission, tmp_path):
    """Student-style correct code (step loops, np.add.at, sample that stops at <END>
    and pads with <NULL>) passes every check: the tolerances leave room for it."""
    folder = classic.make_classic_correct(correct_submission, tmp_path / "classic" / "rnn_captioning")
    proc, results = run_grader(folder, tmp_path / "out", "-k", "not overfit")
    assert proc.returncode == 0, proc.stderr
    assert [t["name"] for t in results["tests"] if t["status"] != "passed"] == []


def test_a_lane_drawing_from_numpy_cannot_change_another_lanes_training_set():
    """The lanes are threads of the grader, and numpy's generator is global: one
    lane builds reference models (which draw initial weights) while another seeds
    and draws the small training set. Both hold the lane-shared lock, so the
    training set is the same in every grading."""
    import threading
    from types import SimpleNamespace
    task = TASK
    ctx = SimpleNamespace(reference=task.reference(), assignment=task)
    overfit_check, model_checks = task.grading_module("overfit_check"), task.grading_module("model_checks")
    settings = ctx.reference.module("check_data").GRADED_OVERFIT_SETTINGS["lstm"]
    expected = overfit_check.small_training_set(ctx, settings)["train_captions"]
    case = dict(word_to_idx={"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3}, input_dim=4, wordvec_dim=3,
                hidden_dim=5, cell_type="lstm", params={})
    done = threading.Event()

    def other_lane():
        while not done.is_set():
            model_checks.reference_model(ctx.reference, case)

    thread = threading.Thread(target=other_lane)
    thread.start()
    try:
        drawn = [overfit_check.small_training_set(ctx, settings)["train_captions"] for _ in range(20)]
    finally:
        done.set()
        thread.join()
    assert all(np.array_equal(captions, expected) for captions in drawn)


def test_both_trainings_use_the_short_captions_the_student_readme_describes():
    """The grader's two runs train on the same 50 captions of at most 10 tokens, one
    per image, whole (each still ends with <END>): only <NULL> columns were cut."""
    from types import SimpleNamespace
    ref = TASK.reference()
    check_data = ref.module("check_data")
    small_training_set = TASK.grading_module("overfit_check").small_training_set
    ctx = SimpleNamespace(reference=ref, assignment=TASK)
    drawn = {}
    for cell, settings in check_data.GRADED_OVERFIT_SETTINGS.items():
        data = small_training_set(ctx, settings)
        captions, words = data["train_captions"], data["word_to_idx"]
        selection = settings["captions"]
        assert captions.shape == (settings["max_train"], selection["length"]), cell
        assert ((captions != words["<NULL>"]).sum(axis=1) <= selection["max_tokens"]).all(), cell
        assert ((captions == words["<END>"]).sum(axis=1) == 1).all(), cell
        assert len(np.unique(data["train_image_idxs"])) == settings["max_train"], cell
        drawn[cell] = captions
    assert np.array_equal(drawn["rnn"], drawn["lstm"])


def test_a_graded_training_stops_once_the_loss_on_all_captions_is_below_half_its_threshold():
    """The grader's runs stop at a check point (every check_every iterations) where the loss
    on all training captions is below stop_below = threshold / 2; without stop_below the
    same training runs every iteration and ends lower."""
    ref = TASK.reference()
    settings = ref.module("check_data").GRADED_OVERFIT_SETTINGS["rnn"]
    assert settings["solver"]["stop_below"] == settings["threshold"] / 2
    data = ref.module("public_checks").overfit_training_set(settings, str(TASK.data_dir))
    solver_class = ref.module("captioning_solver").CaptioningSolver
    loss_on_all = ref.module("captioning_solver").training_set_loss

    def train(**solver):
        np.random.seed(settings["seed"])
        model = ref.module("classifiers.rnn").CaptioningRNN(
            data["word_to_idx"], input_dim=data["train_features"].shape[1], cell_type="rnn", **settings["model"])
        trainer = solver_class(model, data, verbose=False, **solver)
        trainer.train()
        return trainer, loss_on_all(model, data)

    stopped, stopped_loss = train(**settings["solver"])
    iterations = settings["solver"]["num_epochs"] * settings["max_train"] // settings["solver"]["batch_size"]
    assert stopped.stopped_at is not None and stopped.stopped_at % stopped.check_every == 0
    assert len(stopped.loss_history) == stopped.stopped_at < iterations
    assert stopped_loss < settings["solver"]["stop_below"]
    whole, whole_loss = train(**{k: v for k, v in settings["solver"].items() if k != "stop_below"})
    assert whole.stopped_at is None and len(whole.loss_history) == iterations
    assert whole_loss < stopped_loss

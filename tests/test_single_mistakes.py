"""One mistake, one charge: each catalogued mistake alone, on a correct submission,
graded by the real grader with every check (the trainings for one of each kind), loses points
only in its own part(s), and its own part names the mistake; the notebook's checks
name it with the same words before submission.

A forward's mistake may also cost its backward, which can only be called with that
forward's cache (grading/quality/mutants.own_parts). Every other part that uses
the wrong function is judged again with a correct one in its place, and keeps its
points."""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import ROOT, mutants, once_for_all_workers, run_grader

# Each kind of mistake the policy is about: a layer's error in the loss, the sample and
# the training; a composite's error in its backward's finite-difference check; an
# error that shows only at saturated units or at N=1.
MATRIX = [m for m in mutants.MUTANTS if m.hint and m.policy is None]
# The mistakes graded with the trainings too (each of its own kind: a step forward, a step
# backward, a composite forward and backward, the embedding, the loss); the others' parts
# are graded without them, to keep the suite short. `make corpus` trains every variant.
TRAINED = {"lstm_step_forward_gate_order", "rnn_step_backward_no_tanh_derivative", "rnn_step_forward_overflowing_tanh",
           "rnn_forward_off_by_one", "lstm_backward_no_accumulation", "word_embedding_backward_plus_equals",
           "loss_ignores_mask"}
DATA = ROOT / "datasets" / "synthetic_captioning"
# The grader's check on the notebook's own inputs, per kind of part.
SEED_CHECKS = {"seed_inputs", "loss_seed_model", "sample_seed_model"}

# What the notebook's check cells say of each part: status, hint id and detail.
PUBLIC_VERDICTS = """
import json, sys
from captioning import public_checks
verdicts = {}
for part in sys.argv[1:]:
    outcome = public_checks.run_check(part)
    verdicts[part] = {"status": outcome.status, "hint": outcome.hint, "detail": outcome.detail}
print(json.dumps(verdicts))
"""


def grade(base, tmp_path, mutant):
    folder = mutants.make_mutant(base, tmp_path / mutant.name / "rnn_captioning", mutant.name)
    select = [] if mutant.name in TRAINED else ["-k", "not overfit"]
    proc, results = run_grader(folder, tmp_path / mutant.name / "out", *select)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return folder, results


def public_verdicts(folder, parts):
    proc = subprocess.run([sys.executable, "-c", PUBLIC_VERDICTS, *parts], cwd=folder, capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, CAPTIONING_DATA=str(DATA)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def graded(correct_submission, tmp_path_factory):
    """{mutant name: (its folder, the grader's results)} for every mutant of the matrix,
    graded once for all xdist workers."""
    def grade_matrix(root):
        with ThreadPoolExecutor(max_workers=2) as pool:
            graded = pool.map(lambda m: grade(correct_submission, root, m), MATRIX)
            return {m.name: [str(folder), results] for m, (folder, results) in zip(MATRIX, graded)}
    _, graded = once_for_all_workers(tmp_path_factory, "single_mistakes", grade_matrix)
    return {name: (Path(folder), results) for name, (folder, results) in graded.items()}


def failing_rows(results, part):
    return [t for t in results["tests"] if t["extra_data"]["part"] == part and t["score"] < t["max_score"]]


@pytest.mark.slow
def test_each_mistake_costs_only_its_own_parts_and_names_itself(graded):
    assert TRAINED <= {m.name for m in MATRIX}
    assert {"rnn_forward_off_by_one", "rnn_step_forward_overflowing_tanh", "sample_squeezes_scores",
            "rnn_backward_wrong_dh0", "rnn_backward_no_accumulation", "rnn_backward_overwrites_weight_gradients",
            "lstm_step_forward_gate_order", "word_embedding_backward_plus_equals",
            "rnn_step_backward_no_tanh_derivative"} <= {m.name for m in MATRIX}
    elsewhere = {m.name: mutants.lost_elsewhere(m, graded[m.name][1]) for m in MATRIX}
    assert {name: lost for name, lost in elsewhere.items() if lost} == {}
    unnamed = []
    for mutant in MATRIX:
        results = graded[mutant.name][1]
        hints = {t["extra_data"]["hint"] for t in failing_rows(results, mutant.part)}
        if mutant.hint not in hints:
            unnamed.append("%s: %s names %s" % (mutant.name, mutant.part, sorted(map(str, hints))))
        if not mutants.points_lost(results).get(mutant.part):
            unnamed.append("%s: %s lost nothing" % (mutant.name, mutant.part))
    assert unnamed == []


@pytest.mark.slow
def test_the_notebook_names_each_mistake_as_the_grader_does(graded):
    """Where the grader's check on the notebook's inputs fails and names a mistake, the
    notebook's own check of that part fails and names the same one. Where the notebook
    marks a part failing, the grader takes points from that part too, and a mistake the
    notebook names is one the grader names in that part ('waiting' is not failing)."""
    differ = []
    for mutant in MATRIX:
        folder, results = graded[mutant.name]
        seeds = {t["extra_data"]["part"]: t for t in results["tests"] if t["extra_data"]["check"] in SEED_CHECKS}
        for part, verdict in public_verdicts(folder, sorted(seeds)).items():
            seed, where = seeds[part], "%s, %s: " % (mutant.name, part)
            grader_hint = seed["extra_data"]["hint"] if seed["score"] < seed["max_score"] else None
            part_hints = {t["extra_data"]["hint"] for t in failing_rows(results, part)}
            public_failed = verdict["status"] in ("fail", "error", "not implemented")
            if grader_hint and (not public_failed or verdict["hint"] != grader_hint):
                differ.append(where + "grader names %s, notebook says %s, %s (%s)" % (
                    grader_hint, verdict["status"], verdict["hint"], verdict["detail"]))
            elif public_failed and not part_hints:
                differ.append(where + "notebook %s (%s), grader keeps every point" % (
                    verdict["status"], verdict["detail"]))
            elif public_failed and verdict["hint"] and verdict["hint"] not in part_hints:
                differ.append(where + "notebook names %s, grader %s" % (verdict["hint"], sorted(map(str, part_hints))))
    assert differ == []


@pytest.mark.slow
def test_a_size_1_mistake_costs_its_share_not_the_whole_part(graded):
    """np.squeeze(scores) fails only at N=1: it costs the edge-case check of each sample
    part, at most a third of the part, and nothing else."""
    results = graded["sample_squeezes_scores"][1]
    lost = mutants.points_lost(results)
    assert set(lost) == {"rnn_sample", "lstm_sample"}
    points = {t["extra_data"]["part"]: 0 for t in results["tests"]}
    for t in results["tests"]:
        points[t["extra_data"]["part"]] += t["max_score"]
    for part in lost:
        assert 0 < lost[part] <= points[part] / 3 + 1e-9
        assert [t["extra_data"]["check"] for t in failing_rows(results, part)] == ["sample_edge_models"]

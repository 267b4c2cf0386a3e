"""Every hidden check fails on at least one wrong implementation, and each
wrong implementation costs its own part, with its catalogued hint, plus only
parts the report names as downstream of it (rubric depends_on). Mutants that
are wrong only under a course policy (preserve_dtype) are graded in
test_grading_policy.py."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from autograder.assignment import upstream_closure
from helpers import PARTS, check_titles, mutants, run_grader

OVERFIT_PARTS = [p for p in PARTS if p.startswith("overfit_")]


def grade_mutant(base, tmp_path, name, select):
    folder = mutants.make_mutant(base, tmp_path / name / "rnn_captioning", name)
    proc, results = run_grader(folder, tmp_path / name / "out", "-k", select)
    assert proc.returncode == 0, proc.stderr
    return results


@pytest.mark.slow
def test_mutants_fail_their_own_part_and_every_check_fails_on_some_mutant(correct_submission, tmp_path):
    names = [m.name for m in mutants.MUTANTS if m.policy is None]
    with ThreadPoolExecutor(max_workers=2) as pool:
        graded = dict(zip(names, pool.map(
            lambda n: grade_mutant(correct_submission, tmp_path, n, "not overfit"), names)))
    failed_checks = set()
    problems = []
    for mutant in mutants.MUTANTS:
        if mutant.policy is not None:
            continue
        results = graded[mutant.name]
        own = {mutant.part, *mutant.also_parts}
        failing = {t["extra_data"]["part"] for t in results["tests"] if t["status"] == "failed"}
        failed_checks |= {t["name"] for t in results["tests"] if t["status"] == "failed"}
        if not own <= failing:
            problems.append("%s: its own parts %s did not fail" % (mutant.name, sorted(own - failing)))
        for part in own & failing if mutant.hint else ():
            hints = {t["extra_data"]["hint"] for t in results["tests"]
                     if t["extra_data"]["part"] == part and t["status"] == "failed"}
            if mutant.hint not in hints:
                problems.append("%s: %s does not name %s (hints %s)" % (mutant.name, part, mutant.hint, hints))
        for part in failing - own:
            if not set(upstream_closure(part, PARTS)) & own:
                problems.append("%s: %s fails but is not downstream of %s" % (mutant.name, part, sorted(own)))
                continue
            for test in results["tests"]:
                if test["extra_data"]["part"] == part and test["status"] == "failed" and "also fail" not in test["output"]:
                    problems.append("%s: %s fails without naming its upstream cause" % (mutant.name, test["name"]))
    assert problems == []
    never_failed = ["%s: %s" % (PARTS[p].title, title) for p in PARTS if PARTS[p].kind == "auto"
                    for title in check_titles(p)
                    if p not in OVERFIT_PARTS and "%s: %s" % (PARTS[p].title, title) not in failed_checks]
    assert never_failed == []


@pytest.mark.slow
@pytest.mark.parametrize("name, part", [("rnn_backward_no_accumulation", "overfit_rnn"),
                                        ("lstm_backward_gate_order", "overfit_lstm")])
def test_overfit_checks_fail_on_wrong_gradients(correct_submission, tmp_path, name, part):
    results = grade_mutant(correct_submission, tmp_path, name, part)
    (test,) = results["tests"]
    assert test["status"] == "failed" and test["score"] == 0

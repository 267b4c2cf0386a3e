"""The engine's trusted pieces on their own: comparison, scoring and the
completion of rows (the grading runs test them end to end as well)."""
import subprocess
import sys
import time

import numpy as np
import pytest

from autograder.assignment import Check, Part
from autograder.compare import Metric, Outcome, Precision, combine, compare_outputs, problem_with
from autograder.runner import Row, complete_rows
from autograder.scoring import score, shares
from autograder.zygote import IdleWatch, is_zombie

MAX_ABS = Metric("max abs error", lambda a, b: float(np.max(np.abs(np.asarray(a) - np.asarray(b)))))


# ---------------------------------------------------------------- compare

@pytest.mark.parametrize("value, problem", [
    (None, "is missing"),
    ("1.0", "not a numeric array"),
    (np.ones(3, dtype=np.int64), "expected floating point"),
    (np.ones((3, 1)), "has shape (3, 1), expected (3,)"),     # no broadcasting
    (np.array([1.0, np.nan, 1.0]), "NaN or inf"),
    (np.ones(3, dtype=np.float16), "lower precision than the float32 inputs"),
])
def test_problem_with_refuses_what_cannot_be_compared(value, problem):
    found = problem_with(value, np.ones(3), "out", Precision(np.float32))
    assert found is not None and problem in found


def test_a_higher_precision_is_correct_with_a_tip_unless_the_course_preserves_dtypes():
    student, reference = np.ones(3, dtype=np.float64), np.ones(3)
    relaxed = compare_outputs([("out", student, reference)], 1e-3, MAX_ABS, Precision(np.float32))
    assert relaxed.passed and relaxed.tips and "counted as correct" in relaxed.tips[0]
    strict = compare_outputs([("out", student, reference)], 1e-3, MAX_ABS, Precision(np.float32, preserve=True))
    assert not strict.passed and "grades keeping the inputs' dtype" in strict.message
    same = compare_outputs([("out", student.astype(np.float32), reference)], 1e-3, MAX_ABS, Precision(np.float32))
    assert same.passed and same.tips == []


def test_compare_outputs_names_the_wrong_and_the_right_outputs():
    outcome = compare_outputs([("dx", np.zeros(2), np.ones(2)), ("db", np.ones(2), np.ones(2))],
                              {"default": 1e-6, "dx": 1e-3}, MAX_ABS)
    assert not outcome.passed
    assert outcome.message.startswith("dx: max abs error 1.0e+00 (tolerance 1e-03)") and "db is correct" in outcome.message


def test_combine_reports_the_first_failing_case_and_keeps_every_tip():
    cases = [("N=1", Outcome(True, "ok", 1e-9, 1e-6, tips=["a"])),
             ("N=2", Outcome(False, "bad", 1.0, 1e-6, hint="mask", tips=["b"])),
             ("N=3", Outcome(False, "worse", 2.0, 1e-6))]
    combined = combine(cases)
    assert not combined.passed and combined.message == "N=2: bad" and combined.hint == "mask"
    assert combined.tips == ["a", "b"]


# ---------------------------------------------------------------- scoring

def _part(part_id, points, keys, depends_on=(), only_with=None, explains=True):
    checks = [Check(key, key.replace("_", " "), None, counts_only_with=(only_with or {}).get(key, ()),
                    explains_downstream=explains) for key in keys]
    return Part(part_id, part_id, "NB", points, "auto", tuple(depends_on), checks)


def _row(part, key, passed, **outcome):
    return Row(part, key.replace("_", " "), Outcome(passed, "message of %s" % key, **outcome), key=key)


def test_shares_add_up_to_the_points_exactly():
    part = _part("p", 5, ["a", "b", "c"])
    assert sum(shares(part).values()) == pytest.approx(5, abs=1e-12)
    assert all(abs(round(v, 4) - v) < 1e-12 for v in shares(part).values())


def test_a_check_on_published_inputs_counts_only_with_its_hidden_check():
    parts = {"p": _part("p", 4, ["seed", "hidden"], only_with={"seed": ("hidden",)})}
    scored, summaries = score([_row("p", "seed", True), _row("p", "hidden", False)], parts)
    seed = scored[0]
    assert seed.score == 0 and not seed.passed and "published" in seed.message
    scored, summaries = score([_row("p", "seed", True), _row("p", "hidden", True)], parts)
    assert summaries[0].score == 4


def test_upstream_notes_name_failing_parts_through_parts_credited_given_them():
    parts = {"step": _part("step", 5, ["v"]), "composite": _part("composite", 5, ["v"], ["step"]),
             "loss": _part("loss", 8, ["v"], ["composite"])}
    rows = [_row("step", "v", False, hint="gate_order"),
            _row("composite", "v", True, carried_from=("step",)),
            _row("loss", "v", False)]
    scored, summaries = score(rows, parts)
    loss = scored[2]
    assert "`step` also fails" in loss.upstream_note and "`composite`" not in loss.upstream_note
    assert loss.hint == "gate_order"                 # the nearest failing part's mistake, inherited
    assert scored[1].score == 5 and scored[1].carried_from == ("step",)
    assert [s.score for s in summaries] == [0, 5, 0]


def test_a_precision_only_failure_does_not_explain_failures_downstream():
    parts = {"step": _part("step", 5, ["dtype"], explains=False), "loss": _part("loss", 8, ["v"], ["step"])}
    scored, _ = score([_row("step", "dtype", False), _row("loss", "v", False)], parts)
    assert scored[1].upstream_note == ""


# ---------------------------------------------------------------- rows

class _Task:
    def __init__(self, parts):
        self.parts, self.graded_files = parts, {"layers": "layers.py"}

    def checks(self):
        return [(part, check) for part in self.parts.values() for check in part.checks]


def test_complete_rows_orders_by_rubric_and_fills_what_did_not_run():
    task = _Task({"a": _part("a", 1, ["x", "y"]), "b": _part("b", 1, ["z"])})
    done = [_row("b", "z", True), _row("a", "x", True)]
    rows = complete_rows(task, done)
    assert [(r.part, r.key) for r in rows] == [("a", "x"), ("a", "y"), ("b", "z")]
    assert not rows[1].outcome.passed and "did not run" in rows[1].outcome.message
    failures = {"layers": "your layers.py could not be imported (...)"}
    assert "could not be imported" in complete_rows(task, [], failures)[0].outcome.message
    assert complete_rows(task, done, fill_missing=False) == [done[1], done[0]]


# ---------------------------------------------------------------- the idle rule

# A parent that waits (os.waitpid) while its child computes for 3 s, then exits.
PARENT_WAITS_CHILD_COMPUTES = """
import os, time
pid = os.fork()
if pid == 0:
    end = time.monotonic() + 3.0
    while time.monotonic() < end:
        pass
    os._exit(0)
os.waitpid(pid, 0)
time.sleep(60)
"""


def _watch_until_idle(process, idle_seconds, give_up_after):
    """Seconds until IdleWatch finds the process tree idle, or None within give_up_after."""
    started = time.monotonic()
    watch = IdleWatch(process.pid, None, idle_seconds)
    while time.monotonic() - started < give_up_after:
        if watch.waiting(time.monotonic()):
            return time.monotonic() - started
        time.sleep(0.05)
    return None


@pytest.mark.parametrize("program, idle_after", [
    ("import time\ntime.sleep(60)", (1.5, 4.0)),                 # waits from the start
    (PARENT_WAITS_CHILD_COMPUTES, (3.0 + 1.5, 3.0 + 4.0)),       # the child's 3 s of computing count
])
def test_the_idle_rule_reads_the_cpu_time_of_the_whole_process_tree(program, idle_after):
    """Idle means: the tree gained (almost) no CPU time over the last idle_seconds;
    a parent that waits for a child that computes is not idle."""
    process = subprocess.Popen([sys.executable, "-c", program])
    try:
        found_idle_after = _watch_until_idle(process, 1.5, give_up_after=10)
    finally:
        process.kill()
        process.wait()
    assert found_idle_after is not None and idle_after[0] <= found_idle_after <= idle_after[1], found_idle_after



def test_a_child_that_exited_unreaped_is_a_zombie_and_a_running_one_is_not():
    """The sandbox's sweep skips zombies: they cannot be killed, and waiting for
    them cost every check 60 ms before the zygote reaped its child first."""
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 10
        while not is_zombie(exited.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert is_zombie(exited.pid)
        assert not is_zombie(running.pid)
    finally:
        running.kill()
        running.wait()
        exited.wait()

"""The students' self-check, run as a student would: `python selfcheck.py`
inside a copy of the assignment folder."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from helpers import RELEASE, SOLUTIONS


def run_selfcheck(folder, tmp_path, data_dir, *args):
    copy = tmp_path / "rnn_captioning"
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    env = dict(os.environ, CAPTIONING_DATA=str(data_dir))
    return subprocess.run([sys.executable, "selfcheck.py", *args], cwd=copy, env=env,
                          capture_output=True, text=True, timeout=600)


def rows(stdout):
    """part title -> (points, status) from the printed table."""
    table = {}
    for line in stdout.splitlines():
        for status in ("not implemented", "pass", "fail", "error", "manual", "not run"):
            marker = "  %s " % status
            if marker in line + " " and line[:28].strip():
                head, _, _ = (line + " ").partition(marker)
                title, points = head[:28].strip(), head[28:].strip()
                table[title] = (int(points), status)
                break
    return table


@pytest.mark.slow
def test_solutions_pass_every_part_with_overfit(tmp_path, synthetic_data_dir):
    result = run_selfcheck(SOLUTIONS, tmp_path, synthetic_data_dir, "--overfit")
    table = rows(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(table) == 18
    assert {s for _, s in table.values()} == {"pass", "manual"}
    assert sum(p for p, s in table.values() if s == "pass") == 90


def test_untouched_release_is_not_implemented_everywhere(tmp_path, synthetic_data_dir):
    result = run_selfcheck(RELEASE, tmp_path, synthetic_data_dir, "--overfit")
    table = rows(result.stdout)
    assert result.returncode != 0
    auto = {t: s for t, (_, s) in table.items() if s != "manual"}
    assert len(auto) == 16 and set(auto.values()) == {"not implemented"}, result.stdout
    assert "is not implemented yet" in result.stdout


def test_one_bug_fails_its_own_part_with_the_error_shown(tmp_path, synthetic_data_dir):
    folder = tmp_path / "buggy"
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    layers = folder / "captioning" / "rnn_layers.py"
    text = layers.read_text()
    # The classic mistake: forget the tanh derivative in rnn_step_backward.
    buggy = text.replace("da = dnext_h * (1 - next_h * next_h)", "da = dnext_h", 1)
    assert buggy != text
    layers.write_text(buggy)
    result = run_selfcheck(folder, tmp_path / "run", synthetic_data_dir, "rnn_step_backward", "rnn_forward")
    table = rows(result.stdout)
    assert result.returncode == 1
    assert table["rnn_step_backward"][1] == "fail" and table["rnn_forward"][1] == "pass"
    assert "tolerance 1e-08" in result.stdout


def test_selfcheck_ships_no_hidden_material():
    text = (RELEASE / "selfcheck.py").read_text() + (RELEASE / "captioning" / "public_checks.py").read_text()
    assert "autograder" not in text.replace("The autograder", "").replace("the autograder", "")


def test_the_self_checks_trainings_reach_the_graders_losses(graded_solutions, tmp_path, synthetic_data_dir):
    """`selfcheck.py --overfit` trains what the grader trains: the same captions and
    the same initial weights, with one BLAS thread as in the sandbox (it sets that
    itself), so the loss a student sees is the loss graded. Like the sandbox, it runs
    without the machine's BLAS settings (OPENBLAS_CORETYPE=Haswell, set on some
    machines, picks other kernels, whose float32 training ends 1e-3 away)."""
    graded = {t["extra_data"]["part"]: t["extra_data"]["error"] for t in graded_solutions["results"]["tests"]
              if t["extra_data"]["check"] == "overfit"}
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_NUM_THREADS") and not k.startswith(("OPENBLAS_", "GOTO_", "MKL_"))}
    copy = tmp_path / "rnn_captioning"
    shutil.copytree(SOLUTIONS, copy, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    proc = subprocess.run([sys.executable, "selfcheck.py", "--overfit", "overfit_rnn", "overfit_lstm"], cwd=copy,
                          env=dict(env, CAPTIONING_DATA=str(synthetic_data_dir)), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    printed = re.findall(r"Overfit small data \((\w+)\).*loss on the training captions ([0-9.e+-]+)", proc.stdout)
    local = {"overfit_" + cell: float(loss) for cell, loss in printed}
    assert set(local) == set(graded) == {"overfit_rnn", "overfit_lstm"}, proc.stdout
    for part, loss in graded.items():
        assert local[part] == pytest.approx(loss, rel=1e-3), part     # printed to 4 significant digits

"""The installed commands speak one way: every --help has examples and the exit
statuses the code really returns, usage lines name the installed command (also
under `python -m`), a subcommand reports its own unknown options with its own
usage, a mistyped submission is refused before anything is written, and counts
take the right plural.

The commands run as users run them: the scripts `make` installed beside this
interpreter (.venv/bin), in a subprocess, from a folder outside the repo."""
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import RELEASE, ROOT

from autograder.class_summary import graded_tally
from autograder.grade import EXIT_CANNOT_RUN, EXIT_GRADED, EXIT_STOPPED, EXIT_UNREADABLE
from similarity import THRESHOLD
from uploads.wording import counted, installed_command

BIN = Path(sys.executable).parent
MODULES = {"captioning-autograder": "autograder", "captioning-nbgrader": "nbgrader_bridge",
           "captioning-build": "build_assignment", "captioning-similarity": "similarity"}

# (command, subcommand or None) -> the exit statuses its --help must list: the code's own
# constants where it has them, so that changing a status without its help fails here.
STATUSES = {
    ("captioning-autograder", None): {EXIT_CANNOT_RUN},
    ("captioning-autograder", "grade"): {EXIT_GRADED, EXIT_CANNOT_RUN, EXIT_UNREADABLE, EXIT_STOPPED},
    # a stopped batch exits 128 + the signal's number (BatchOutcome.exit_code)
    ("captioning-autograder", "grade-batch"): {0, 1, EXIT_CANNOT_RUN, 128 + signal.SIGINT, 128 + signal.SIGTERM},
    ("captioning-autograder", "gradescope-bundle"): {0, EXIT_CANNOT_RUN},
    ("captioning-autograder", "similarity"): {0, 1, EXIT_CANNOT_RUN},
    ("captioning-nbgrader", None): {2},
    ("captioning-nbgrader", "import-grades"): {0, 1, 2},
    ("captioning-build", None): {0, 1, 2},
    ("captioning-similarity", None): {0, 1, 2},
}


def command_line(command, how):
    """argv that starts `command` as installed, or as `python -m <package>`."""
    if how == "installed":
        path = BIN / command
        assert path.is_file(), "%s is not installed beside %s: run `make`" % (command, sys.executable)
        return [str(path)]
    return [sys.executable, "-m", MODULES[command]]


def run(argv, cwd):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)


def listed_statuses(help_text):
    """The statuses of the 'exit status:' section: lines such as '  0  done' or '  130, 143  stopped'."""
    section = help_text.split("exit status:", 1)[1]
    found = set()
    for numbers in re.findall(r"^  (\d+(?:, \d+)*)  ", section, re.M):
        found |= {int(n) for n in numbers.split(", ")}
    return found


@pytest.mark.parametrize("how", ["installed", "python -m"])
@pytest.mark.parametrize("command, subcommand", sorted(STATUSES, key=lambda key: (key[0], key[1] or "")))
def test_help_has_examples_exit_status_and_names_the_installed_command(command, subcommand, how, tmp_path):
    argv = command_line(command, how) + ([subcommand] if subcommand else []) + ["--help"]
    proc = run(argv, tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    named = command + (" " + subcommand if subcommand else "")
    assert text.startswith("usage: %s " % named), text.splitlines()[0]
    assert "examples:\n  %s" % named in text, text
    assert "exit status:" in text, text
    assert listed_statuses(text) == STATUSES[command, subcommand], text
    assert "__main__.py" not in text and "python -m" not in text.split("\n\n")[0]
    assert text.count("`") % 2 == 0, "an unclosed backtick in:\n" + text


UNKNOWN_OPTION = [
    ("captioning-autograder", ["grade", "alice", "--out", "out", "--bogus"], "captioning-autograder grade"),
    ("captioning-autograder", ["grade-batch", "submitted", "--out", "out", "--bogus"],
     "captioning-autograder grade-batch"),
    ("captioning-autograder", ["gradescope-bundle", "bundle.zip", "--bogus"], "captioning-autograder gradescope-bundle"),
    ("captioning-autograder", ["similarity", "submitted", "--out", "out", "--bogus"],
     "captioning-autograder similarity"),
    ("captioning-nbgrader", ["import-grades", "out", "--assignment", "a", "--bogus"],
     "captioning-nbgrader import-grades"),
    ("captioning-similarity", ["submitted", "--out", "out", "--bogus"], "captioning-similarity"),
    ("captioning-build", ["--bogus"], "captioning-build"),
]


@pytest.mark.parametrize("how", ["installed", "python -m"])
@pytest.mark.parametrize("command, arguments, reporter", UNKNOWN_OPTION, ids=lambda value: str(value))
def test_an_unknown_option_is_reported_with_the_usage_of_the_command_it_was_given_to(command, arguments, reporter,
                                                                                      how, tmp_path):
    proc = run(command_line(command, how) + arguments, tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("usage: %s " % reporter), proc.stderr
    assert "%s: error: unrecognized arguments: --bogus" % reporter in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_option_before_the_command_is_the_top_level_s(tmp_path):
    proc = run(command_line("captioning-autograder", "installed") + ["--bogus", "grade", "alice", "--out", "out"],
               tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: captioning-autograder [-h] COMMAND"), proc.stderr
    assert "captioning-autograder: error: unrecognized arguments: --bogus" in proc.stderr


@pytest.mark.parametrize("typo", ["alcie", "alice.zpi", "submitted/alcie/assignment"])
def test_grade_refuses_a_submission_that_does_not_exist_and_writes_nothing(typo, tmp_path):
    (tmp_path / "submitted").mkdir()
    proc = run(command_line("captioning-autograder", "installed") + ["grade", typo, "--out", "out/alice"], tmp_path)
    assert proc.returncode == EXIT_CANNOT_RUN, proc.stdout + proc.stderr
    assert proc.stderr.strip() == "captioning-autograder grade: %s does not exist" % typo
    assert sorted(p.name for p in tmp_path.iterdir()) == ["submitted"]     # no out/, no results.json
    assert list((tmp_path / "submitted").iterdir()) == []


def test_grade_batch_refuses_a_folder_that_does_not_exist_and_writes_nothing(tmp_path):
    proc = run(command_line("captioning-autograder", "installed") + ["grade-batch", "submited", "--out", "graded"],
               tmp_path)
    assert proc.returncode == EXIT_CANNOT_RUN, proc.stdout + proc.stderr
    assert "submited does not exist" in proc.stderr
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ plurals
def test_counted_says_one_in_the_singular_and_any_other_number_in_the_plural():
    assert counted(1, "pair") == "1 pair"
    assert counted(2, "pair") == "2 pairs"
    assert counted(0, "pair") == "0 pairs"
    assert counted(1, "more refused zip entry", "more refused zip entries") == "1 more refused zip entry"
    assert counted(3, "more refused zip entry", "more refused zip entries") == "3 more refused zip entries"


def test_batch_counts_line_in_the_singular_and_the_plural():
    assert graded_tally(1, 1, 0) == "1 submission: 1 graded, 0 could not be graded"
    assert graded_tally(2, 1, 1) == "2 submissions: 1 graded, 1 could not be graded"


def test_the_installed_command_name_comes_from_the_installation():
    assert installed_command("autograder.cli:main", fallback="python -m autograder") == "captioning-autograder"
    assert installed_command("no_such_package.cli:main", fallback="python -m no_such_package") \
        == "python -m no_such_package"


def copy_assignment(source, dest):
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb", "datasets"))


def test_similarity_says_1_pair_and_2_pairs_flagged(correct_submission, tmp_path):
    """One copied pair, then one student against two known copies of the same solution."""
    similarity = command_line("captioning-similarity", "installed")
    batch = tmp_path / "one_pair"
    copy_assignment(correct_submission, batch / "alice")
    copy_assignment(correct_submission, batch / "bob")
    proc = run(similarity + [str(batch), "--out", str(tmp_path / "out1"), "--quiet"], tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == "2 submissions, 1 pair compared; threshold %.2f: 1 pair flagged" % THRESHOLD

    batch, known = tmp_path / "two_pairs", tmp_path / "known"
    copy_assignment(correct_submission, batch / "alice")
    copy_assignment(RELEASE, batch / "untouched")          # the release's stubs: nothing to compare
    for name in ("github_a", "github_b"):
        copy_assignment(correct_submission, known / name)
    proc = run(similarity + [str(batch), "--out", str(tmp_path / "out2"), "--reference", str(known), "--quiet"],
               tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("2 submissions and 2 known solutions, "), lines[0]
    assert lines[0].endswith("threshold %.2f: 2 pairs flagged" % THRESHOLD), lines[0]
    assert "1 submission with problems:" in lines, proc.stdout
    summary = (tmp_path / "out2" / "summary.md").read_text()
    assert "**2 pairs flagged**, involving 1 submission." in summary, summary

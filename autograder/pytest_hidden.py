"""The assignment's hidden checks as pytest tests, one per registered check:

    pytest autograder/pytest_hidden.py --submission release/rnn_captioning [-k rnn_step]

The kit's grader (`python -m autograder grade`) runs the same registry in a
plain loop, which also scores and reports; this file lets pytest run, select
and show the very same checks against the very same sandbox. Student code
runs only in the sandbox's child processes, never in pytest's process.
"""
import shutil
import tempfile

import pytest

from autograder import runner, submission
from autograder.grade import load_assignment
from autograder.proxy import StudentProxy
from autograder.sandbox import Sandbox

TASK = load_assignment()


@pytest.fixture(scope="session")
def student(request):
    """The submission prepared, sandboxed and probed once for the session: (context, import failure)."""
    path = request.config.getoption("--submission")
    if not path:
        pytest.exit("give the submission to grade: --submission PATH", returncode=4)
    workdir = tempfile.mkdtemp(prefix="autograder-pytest-")
    try:
        prepared = submission.prepare(path, workdir, TASK)
    except submission.SubmissionError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        pytest.exit("the submission could not be read: %s" % exc, returncode=4)
    sandbox = Sandbox(prepared.scratch_dir, TASK.child_ops, isolation=request.config.getoption("--isolation"))
    proxy = StudentProxy(sandbox, [], TASK.package)
    context = runner.CheckContext(TASK, proxy, TASK.reference())
    yield context, runner.probe_imports(TASK, proxy), set()
    sandbox.close()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.parametrize("part_id, key", [(part.id, check.key) for part, check in TASK.checks()],
                         ids=["%s-%s" % (part.id, check.key) for part, check in TASK.checks()])
def test_hidden_check(student, part_id, key):
    context, import_failures, timed_out = student
    part = TASK.parts[part_id]
    row = runner.run_one(context, part, part.check(key), timed_out, import_failures, [])
    assert row.outcome.passed, row.outcome.message

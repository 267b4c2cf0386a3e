"""The hostile corpus: submissions that attack the grader, one or more per
threat class of docs/design.md. Each test asserts that no point is forged, that the
grader finishes within a bound, that the kit's files are unchanged, and that a
later (correct) submission is graded as before.

Each hostile submission is a correct submission with one function replaced
(or files added), so any point it keeps for the attacked part would be forged.
"""
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import time
import uuid
import zipfile

import pytest

from autograder.isolation import UID_RANGE
from autograder.sandbox import Limits
from helpers import ROOT, SOURCE, patching, run_grader

LAYERS = "captioning/rnn_layers.py"
GUARDED = [ROOT / "autograder", SOURCE / "captioning" / "rnn_layers.py",
           SOURCE / "captioning" / "classifiers" / "rnn.py", SOURCE / "rubric.json"]


def kit_fingerprint():
    digest = hashlib.sha256()
    for root in GUARDED:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*")
                                                      if p.is_file() and "__pycache__" not in p.parts)
        for path in paths:
            digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def build(base, tmp_path, replace=None, append="", files=None, replace_model=None):
    """A copy of base with functions replaced ({name: source}), code appended to
    rnn_layers.py, CaptioningRNN methods replaced ({name: source}), and extra
    files ({relative path: text})."""
    folder = tmp_path / "hostile" / "rnn_captioning"
    shutil.copytree(base, folder, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    layers = folder / LAYERS
    text = layers.read_text()
    for name, source in (replace or {}).items():
        text = patching.replace_function(text, name, textwrap.dedent(source))
    layers.write_text(text + "\n" + textwrap.dedent(append))
    model = folder / "captioning" / "classifiers" / "rnn.py"
    for name, source in (replace_model or {}).items():
        model.write_text(patching.replace_function(model.read_text(), name, textwrap.dedent(source)))
    for relative, content in (files or {}).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(textwrap.dedent(content))
    return folder


def sandbox_processes(marker):
    """Processes of the sandbox uids whose command line holds marker."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/status" % entry) as f:
                uid = int(next(line for line in f if line.startswith("Uid:")).split()[1])
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, StopIteration):
            continue
        if uid in UID_RANGE and marker in cmdline:
            found.append((entry, cmdline))
    return found


def grade_hostile(submission, tmp_path, select, bound_seconds, isolation=None, exits=(0,)):
    """exits: the grader's accepted exit statuses (3: the submission could not be read)."""
    before = kit_fingerprint()
    started = time.monotonic()
    extra = ["--isolation", isolation] if isolation else []
    proc, results = run_grader(submission, tmp_path / "out", "-k", select, *extra)
    elapsed = time.monotonic() - started
    assert proc.returncode in exits, proc.stderr
    assert elapsed < bound_seconds, "grading took %.0f s" % elapsed
    assert kit_fingerprint() == before, "the kit's files changed"
    return results


def assert_parts_get_nothing(results, *parts):
    for test in results["tests"]:
        if test["extra_data"]["part"] in parts:
            assert test["status"] == "failed" and test["score"] == 0, test["name"]


def assert_later_submission_unaffected(correct_submission, tmp_path, select):
    proc, results = run_grader(correct_submission, tmp_path / "later", "-k", select)
    assert proc.returncode == 0, proc.stderr
    assert results["tests"] and all(t["status"] == "passed" for t in results["tests"])


WRONG_STEP = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    {attack}
    next_h = x @ Wx + prev_h @ Wh + b
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""


def wrong_step(attack):
    return {"rnn_step_forward": WRONG_STEP.format(attack=textwrap.indent(textwrap.dedent(attack), "    ").strip())}


# ---------------------------------------------------------------------------
# escaping time or memory limits
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("attack, expected", [
    ("while True:\n    pass", "limit"),                                       # burns CPU
    ("import time\ntime.sleep(10 ** 6)", "waiting without computing"),        # sleeps
    ("import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)", "waiting without computing"),  # stops itself
])
def test_hanging_code_costs_only_its_part(correct_submission, tmp_path, attack, expected):
    submission = build(correct_submission, tmp_path, replace=wrong_step(attack))
    results = grade_hostile(submission, tmp_path, "rnn_step_forward or word_embedding_forward", 60)
    assert_parts_get_nothing(results, "rnn_step_forward")
    assert any(expected in t["output"] for t in results["tests"])
    other = [t for t in results["tests"] if t["extra_data"]["part"] == "word_embedding_forward"]
    assert other and all(t["status"] == "passed" for t in other)


def test_fork_bomb_at_import_is_contained_and_cleaned_up(correct_submission, tmp_path):
    marker = "98%04d" % (os.getpid() % 10000)
    submission = build(correct_submission, tmp_path, append="""
        import os as _os
        while True:
            try:
                if _os.fork() == 0:
                    _os.execv("/bin/sleep", ["sleep", "%s"])
            except OSError:
                pass
        """ % marker)
    results = grade_hostile(submission, tmp_path, "rnn_step_forward", 60)
    assert results["score"] == 0
    assert sandbox_processes("sleep " + marker) == []
    assert_later_submission_unaffected(correct_submission, tmp_path, "rnn_step_forward")


@pytest.mark.parametrize("attack", [
    "import numpy\nnumpy.ones(1 << 40)",                              # one huge allocation
    "hoard = [bytearray(1 << 27) for _ in range(200)]",               # memory grabbed bit by bit
    "open('big.bin', 'wb').write(b'0' * (1 << 30))",                  # a huge file
])
def test_memory_and_disk_exhaustion_fail_the_check_only(correct_submission, tmp_path, attack):
    submission = build(correct_submission, tmp_path, replace=wrong_step(attack))
    results = grade_hostile(submission, tmp_path, "rnn_step_forward", 60)
    assert_parts_get_nothing(results, "rnn_step_forward")
    assert_later_submission_unaffected(correct_submission, tmp_path, "rnn_step_forward")


def test_a_function_that_runs_out_of_memory_is_met_once(correct_submission, tmp_path):
    """Like one that hangs: after its first MemoryError, every later check that needs it
    fails at once, saying why, and the parts it does not touch keep their points."""
    submission = build(correct_submission, tmp_path, replace=wrong_step(
        "import numpy\nhoard = []\nwhile True:\n    hoard.append(numpy.empty(1 << 26))"))   # address space, fast
    results = grade_hostile(submission, tmp_path, "rnn_step or word_embedding", 60)
    assert_parts_get_nothing(results, "rnn_step_forward", "rnn_step_backward")
    rows = [t for t in results["tests"] if t["extra_data"]["part"] in ("rnn_step_forward", "rnn_step_backward")]
    met = [t for t in rows if "MemoryError" in t["output"] and "in an earlier check" not in t["output"]]
    stopped = [t for t in rows if "rnn_step_forward ran out of memory in an earlier check" in t["output"]]
    assert len(met) == 1 and len(stopped) >= 4, [t["output"][:200] for t in rows]
    assert all(t["status"] == "passed" for t in results["tests"] if t["extra_data"]["part"].startswith("word_"))


def test_flood_of_output_and_numpy_warnings_cost_nothing(correct_submission, tmp_path):
    submission = build(correct_submission, tmp_path, replace={"rnn_step_forward": """
        def rnn_step_forward(x, prev_h, Wx, Wh, b):
            import sys, warnings
            print("x" * 10 ** 7)
            sys.stderr.write("e" * 10 ** 7)
            np.log(-np.ones(3)), np.ones(2) / 0
            warnings.warn("noise")
            next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
            return next_h, (x, prev_h, Wx, Wh, next_h)
        """})
    results = grade_hostile(submission, tmp_path, "rnn_step_forward", 60)
    assert all(t["status"] == "passed" for t in results["tests"])
    report = (tmp_path / "out" / "report.md").read_text()
    assert len(report) < 500_000 and "more bytes not shown" in report


# ---------------------------------------------------------------------------
# killing or confusing the runner; forging results
# ---------------------------------------------------------------------------

FAKE_RESULTS = json.dumps({"score": 1000, "tests": [{"name": "all", "score": 1000, "max_score": 1,
                                                      "status": "passed"}]})


@pytest.mark.parametrize("attack", [
    "import os\nos._exit(0)",
    "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(-1, signal.SIGKILL)",
    "import os\nos.closerange(0, 4096)",
    # fake results on stdout, and a forged reply (zeros) on every inheritable fd
    "import os, sys\nsys.path.insert(0, '/opt/grader')\nimport protocol\n"
    "print(%r)\nmessage = protocol.encode({'0:out0': np.zeros((3, 4))}, {'errors': {}, 'fatal': None})\n"
    "print(message)\nfor fd in range(3, 64):\n    try:\n        os.write(fd, message)\n    except OSError:\n"
    "        pass" % FAKE_RESULTS,
])
def test_killing_or_confusing_the_runner_forges_nothing(correct_submission, tmp_path, attack):
    submission = build(correct_submission, tmp_path, replace=wrong_step(attack))
    results = grade_hostile(submission, tmp_path, "rnn_step_forward or rnn_forward", 60)
    assert_parts_get_nothing(results, "rnn_step_forward")
    assert all(t["status"] == "passed" for t in results["tests"] if t["extra_data"]["part"] == "rnn_forward")
    assert results["score"] < 1000
    assert_later_submission_unaffected(correct_submission, tmp_path, "rnn_step_forward")


def test_monkeypatching_numpy_in_the_child_forges_nothing(correct_submission, tmp_path):
    submission = build(correct_submission, tmp_path, replace=wrong_step("pass"), append="""
        import numpy as _np
        _np.allclose = lambda *a, **k: True
        _np.isfinite = lambda *a, **k: True
        _np.max = lambda *a, **k: 0.0
        _np.abs = lambda x: x * 0
        _np.testing.assert_allclose = lambda *a, **k: None
        """)
    results = grade_hostile(submission, tmp_path, "rnn_step_forward", 60)
    assert_parts_get_nothing(results, "rnn_step_forward")


def test_objects_nan_broadcastable_shapes_and_odd_dtypes_never_pass(correct_submission, tmp_path):
    submission = build(correct_submission, tmp_path, replace={
        "rnn_step_forward": """
            def rnn_step_forward(x, prev_h, Wx, Wh, b):
                class Sneaky:
                    def __array__(self, *a, **k):
                        raise RuntimeError("no")
                    def __eq__(self, other):
                        return True
                return Sneaky(), None
            """,
        "rnn_forward": """
            def rnn_forward(x, h0, Wx, Wh, b):
                return np.full((x.shape[0], x.shape[1], h0.shape[1]), np.nan), None
            """,
        "word_embedding_forward": """
            def word_embedding_forward(x, W):
                return W[x].mean(axis=(0, 1), keepdims=True), None   # broadcasts against (N, T, D)
            """,
        "lstm_step_forward": """
            def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
                z = (x @ Wx[:, :prev_h.shape[1]]).astype(np.complex128)
                return z, z, None
            """,
        "lstm_forward": """
            def lstm_forward(x, h0, Wx, Wh, b):
                return [[0.0] * h0.shape[1]] * x.shape[0], None
            """,
    })
    forward_parts = ["rnn_step_forward", "rnn_forward", "word_embedding_forward",
                     "lstm_step_forward", "lstm_forward"]
    results = grade_hostile(submission, tmp_path, " or ".join(forward_parts), 90)
    assert_parts_get_nothing(results, *forward_parts)
    # four checks each: the notebook's inputs, varied shapes, float32, the edge cases
    assert len(results["tests"]) == 4 * len(forward_parts)


def test_submission_files_cannot_change_the_grader(correct_submission, tmp_path):
    marker = tmp_path / ("grader_ran_submission_file_" + uuid.uuid4().hex)
    hook = "open(%r, 'w').write('ran')\n" % str(marker)
    force_pass = hook + textwrap.dedent("""
        import pytest
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(item, call):
            outcome = yield
            outcome.get_result().outcome = "passed"
        """)
    files = {name: hook for name in ("sitecustomize.py", "usercustomize.py", "captioning/sitecustomize.py")}
    files.update({"conftest.py": force_pass, "captioning/conftest.py": force_pass,
                  "pytest.ini": "[pytest]\naddopts = -p no:terminal\n", "setup.cfg": "[tool:pytest]\n",
                  "captioning/evil.pth": "import os; " + hook, "evil.pth": "import os; " + hook})
    submission = build(correct_submission, tmp_path, replace=wrong_step("pass"), files=files)
    results = grade_hostile(submission, tmp_path, "rnn_step_forward", 60)
    assert_parts_get_nothing(results, "rnn_step_forward")
    assert not marker.exists()


# ---------------------------------------------------------------------------
# reading hidden or reference material
# ---------------------------------------------------------------------------

@pytest.fixture
def restore_kit_permissions():
    """The fallback isolation makes the kit's folders unreadable to other users; undo it after the test."""
    from autograder.paths import SECRET_DIRS
    modes = {folder: os.stat(folder).st_mode for folder in SECRET_DIRS if folder.exists()}
    yield
    for folder, mode in modes.items():
        os.chmod(folder, stat.S_IMODE(mode))


# The fallback (no bubblewrap) is exercised too: an unprivileged uid, with the
# kit's folders made unreadable to other users.
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="dropping to a sandbox uid needs root")
BWRAP_ONLY = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("bwrap") is None,
                                reason="bubblewrap isolation needs bwrap and root")


@pytest.mark.parametrize("isolation", [pytest.param("bubblewrap", marks=BWRAP_ONLY),
                                       pytest.param("unprivileged-user", marks=ROOT_ONLY)])
def test_reference_and_grader_files_are_out_of_reach(correct_submission, tmp_path, isolation,
                                                     restore_kit_permissions):
    targets = [str(SOURCE / "captioning" / "rnn_layers.py"), "../../source/rnn_captioning/captioning/rnn_layers.py",
               str(ROOT / "solutions" / "rnn_captioning" / "captioning" / "rnn_layers.py"),
               str(SOURCE / "grading" / "cases.py"), str(SOURCE / "grading" / "layer_checks.py"),
               str(ROOT / "autograder" / "runner.py"),
               "/proc/1/environ", "/proc/%d/environ" % os.getpid(), "/root/.bash_history", "/etc/shadow"]
    attack = """
        import os, glob
        for path in %r + ["/proc/%%d/environ" %% os.getppid()]:
            try:
                text = open(path).read()
                print("LEAK", path, len(text))
                if "def rnn_step_forward" in text:
                    scope = {}
                    exec(text, scope)
                    return scope["rnn_step_forward"](x, prev_h, Wx, Wh, b)
            except Exception as exc:
                print("denied", path, type(exc).__name__)
        print("visible", glob.glob("/work/*"), glob.glob("/opt/grader/*"))
        try:
            import autograder
            print("LEAK autograder importable")
        except ImportError:
            print("denied autograder")
        """ % targets
    submission = build(correct_submission, tmp_path, replace=wrong_step(attack))
    results = grade_hostile(submission, tmp_path, "rnn_step_forward", 60, isolation)
    assert isolation in results["extra_data"]["isolation"]
    assert_parts_get_nothing(results, "rnn_step_forward")
    report = (tmp_path / "out" / "report.md").read_text()
    assert "denied" in report
    for line in report.splitlines():
        if line.startswith("LEAK"):
            # only the sandbox's own /proc/1 (bwrap's init) may be visible; it holds no secret
            assert "/proc/" in line and "environ" in line, line


# ---------------------------------------------------------------------------
# harming later submissions
# ---------------------------------------------------------------------------

def test_writing_outside_scratch_and_background_processes_do_not_persist(correct_submission, tmp_path):
    marker = "98%04d" % ((os.getpid() + 1) % 10000)
    outside = "/tmp/autograder_hostile_" + uuid.uuid4().hex
    attack = """
        import os
        for path in [%r, %r, %r, %r, os.path.expanduser("~/.hostile")]:
            try:
                with open(path, "a") as f:
                    f.write("x = 1\\n")
                print("WROTE", path)
            except Exception as exc:
                print("denied", path, type(exc).__name__)
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv("/bin/sleep", ["sleep", %r])
            os._exit(0)
        """ % (outside, str(ROOT / "autograder" / "runner.py"),
               str(SOURCE / "captioning" / "rnn_layers.py"), "/etc/hostile", marker)
    correct_body = {"rnn_step_forward": """
        def rnn_step_forward(x, prev_h, Wx, Wh, b):
            {attack}
            next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
            return next_h, (x, prev_h, Wx, Wh, next_h)
        """.format(attack=textwrap.indent(textwrap.dedent(attack), "            ").strip())}
    submission = build(correct_submission, tmp_path, replace=correct_body)
    grade_hostile(submission, tmp_path, "rnn_step_forward", 60)
    assert not os.path.exists(outside) and not os.path.exists("/etc/hostile")
    assert sandbox_processes("sleep " + marker) == []
    assert_later_submission_unaffected(correct_submission, tmp_path, "rnn_step_forward")


# ---------------------------------------------------------------------------
# hostile archives and links
# ---------------------------------------------------------------------------

def test_hostile_zip_entries_are_refused_with_a_note(correct_submission, tmp_path):
    archive = tmp_path / "hostile.zip"
    escape_name = "escaped_" + uuid.uuid4().hex
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in (correct_submission / "captioning").rglob("*.py"):
            zf.write(path, "rnn_captioning/" + str(path.relative_to(correct_submission)))
        zf.writestr("../" + escape_name, "escaped")
        zf.writestr("/tmp/" + escape_name, "absolute")
        link = zipfile.ZipInfo("rnn_captioning/captioning/link.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, str(SOURCE / "captioning" / "rnn_layers.py"))
        # ~300 KB compressed; a Python file, so the grader would read it (other files are never read)
        zf.writestr("rnn_captioning/captioning/bomb.py", b"\0" * (300 << 20))
    results = grade_hostile(archive, tmp_path, "rnn_step_forward", 60)
    assert all(t["status"] == "passed" for t in results["tests"])
    for expected in ("outside the submission", "symbolic links", "too large"):
        assert expected in results["output"]
    assert not (tmp_path / escape_name).exists() and not os.path.exists("/tmp/" + escape_name)


def test_symlink_to_the_reference_is_not_followed(correct_submission, tmp_path):
    folder = tmp_path / "linked" / "rnn_captioning"
    shutil.copytree(patching.stub_package(SOURCE, tmp_path / "stub" / "rnn_captioning"), folder)
    (folder / LAYERS).unlink()
    (folder / LAYERS).symlink_to(SOURCE / "captioning" / "rnn_layers.py")
    # Refused as unreadable (exit 3), and the reason says it is the link.
    results = grade_hostile(folder, tmp_path, "rnn_step_forward", 60, exits=(3,))
    assert results["score"] == 0
    assert "`captioning/rnn_layers.py` in your upload is a symbolic link" in results["output"]
    assert "no captioning" not in results["output"]


def test_zip_that_is_not_a_zip_or_is_damaged(tmp_path):
    damaged = tmp_path / "damaged.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("rnn_captioning/captioning/rnn_layers.py", "x = 1\n" * 1000)
    damaged.write_bytes(buffer.getvalue()[:200] + b"garbage" + buffer.getvalue()[220:])
    proc, results = run_grader(damaged, tmp_path / "out", "-k", "rnn_step_forward")
    assert proc.returncode == 3 and results["score"] == 0          # unreadable: exit 3, reports written


# ---------------------------------------------------------------------------
# forging points with the published answers or with degenerate code
# ---------------------------------------------------------------------------

def part_points(results):
    scores = {}
    for test in results["tests"]:
        scores[test["extra_data"]["part"]] = scores.get(test["extra_data"]["part"], 0.0) + test["score"]
    return scores


def test_published_answers_copied_into_the_code_earn_nothing(correct_submission, tmp_path):
    """The notebook's published next_h and losses, returned whatever the inputs."""
    from helpers import TASK
    expected = TASK.reference().module("check_data").EXPECTED
    published = {"rnn_step_forward": """
        def rnn_step_forward(x, prev_h, Wx, Wh, b):
            published = np.asarray(%r)
            if x.shape == (3, 10):
                return published.astype(x.dtype), None
            return np.zeros((x.shape[0], Wh.shape[0]), dtype=x.dtype), None
        """ % expected["rnn_step_forward"]["next_h"].tolist()}
    loss = {"loss": """
        def loss(self, features, captions):
            value = %r if self.cell_type == "rnn" else %r
            return value, {name: np.zeros_like(p) for name, p in self.params.items()}
        """ % (expected["rnn_loss"], expected["lstm_loss"])}
    submission = build(correct_submission, tmp_path, replace=published, replace_model=loss)
    results = grade_hostile(submission, tmp_path, "rnn_step_forward or loss", 120)
    points = part_points(results)
    assert points["rnn_step_forward"] == 0 and points["rnn_loss"] == 0 and points["lstm_loss"] == 0
    seed_rows = [t for t in results["tests"] if t["extra_data"]["check"] in ("seed_inputs", "loss_seed_model")]
    assert seed_rows and all("published" in t["output"] and t["score"] == 0 for t in seed_rows)


DEGENERATE = {
    "zeros": {
        "rnn_step_forward": "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n"
                            "    return np.zeros_like(prev_h), (x, prev_h, Wx, Wh)\n",
        "rnn_step_backward": "def rnn_step_backward(dnext_h, cache):\n"
                             "    x, prev_h, Wx, Wh = cache\n"
                             "    return (np.zeros_like(x), np.zeros_like(prev_h), np.zeros_like(Wx), np.zeros_like(Wh),\n"
                             "            np.zeros(Wh.shape[0]))\n",
        "rnn_forward": "def rnn_forward(x, h0, Wx, Wh, b):\n"
                       "    return np.zeros(x.shape[:2] + h0.shape[1:]), (x, h0, Wx, Wh)\n",
        "rnn_backward": "def rnn_backward(dh, cache):\n"
                        "    x, h0, Wx, Wh = cache\n"
                        "    return np.zeros_like(x), np.zeros_like(h0), np.zeros_like(Wx), np.zeros_like(Wh), "
                        "np.zeros(Wh.shape[0])\n"},
    "identity": {
        "rnn_step_forward": "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n"
                            "    return prev_h.copy(), None\n",
        "rnn_forward": "def rnn_forward(x, h0, Wx, Wh, b):\n"
                       "    h = np.stack([h0] * x.shape[1], axis=1)\n"
                       "    return h, None\n"},
    "constant": {
        "rnn_step_forward": "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n"
                            "    return np.full(prev_h.shape, 0.5), None\n",
        "rnn_forward": "def rnn_forward(x, h0, Wx, Wh, b):\n"
                       "    h = np.zeros(x.shape[:2] + h0.shape[1:])\n"
                       "    prev = h0\n"
                       "    for t in range(x.shape[1]):\n"
                       "        prev, _ = rnn_step_forward(x[:, t], prev, Wx, Wh, b)\n"
                       "        h[:, t] = prev\n"
                       "    return h, None\n"},
}


@pytest.mark.parametrize("kind", sorted(DEGENERATE))
def test_degenerate_steps_and_composites_earn_nothing(correct_submission, tmp_path, kind):
    """A zero (or identity, or constant) forward and a zero backward agree with each
    other, and a composite that loops over such a step agrees with it: neither the
    numeric-gradient check nor error carried forward may pay for that."""
    submission = build(correct_submission, tmp_path, replace=DEGENERATE[kind])
    results = grade_hostile(submission, tmp_path, "rnn_step or rnn_forward or rnn_backward", 180)
    points = part_points(results)
    for part in DEGENERATE[kind]:
        assert points[part] == 0, (part, [t["output"] for t in results["tests"]
                                          if t["extra_data"]["part"] == part and t["score"]])
    assert not any(t["extra_data"]["carried_from"] for t in results["tests"])


# A wrong step makes every check of rnn_forward run again with a correct step in its
# place, answered by the trusted side. This rnn_forward asks that side for its own
# answer, and shows the source of the step it was given.
ASKS_FOR_ITS_OWN_ANSWER = {"rnn_forward": """
    def rnn_forward(x, h0, Wx, Wh, b):
        import inspect
        import sys
        sys.path.insert(0, "/opt/grader")
        import childlib
        arrays = {"arg:x": x, "arg:h0": h0, "arg:Wx": Wx, "arg:Wh": Wh, "arg:b": b}
        try:
            _, answer = childlib.ask_trusted({"call": "rnn_forward"}, arrays)
            return answer["out0"], None
        except Exception as exc:
            refused = exc
        try:
            source = inspect.getsource(rnn_step_forward)
        except Exception as exc:
            source = repr(exc)
        raise RuntimeError("refused: %s; the step given: %s" % (refused, " ".join(source.split())[:400]))
    """}


def test_the_trusted_side_answers_only_for_what_it_replaced(correct_submission, tmp_path):
    """rnn_forward asks the trusted side for the reference's rnn_forward: refused, it earns
    nothing, and the step it was given holds no reference code (only the stub that asks)."""
    replace = dict(wrong_step("pass"), **ASKS_FOR_ITS_OWN_ANSWER)
    submission = build(correct_submission, tmp_path, replace=replace)
    results = grade_hostile(submission, tmp_path, "rnn_step_forward or rnn_forward", 120)
    points = part_points(results)
    assert points["rnn_step_forward"] == 0 and points["rnn_forward"] == 0
    outputs = " ".join(t["output"] for t in results["tests"] if t["extra_data"]["part"] == "rnn_forward")
    assert "'rnn_forward' is not replaced in this run" in outputs, outputs[:2000]
    assert "ask_trusted" in outputs and "tanh" not in outputs, outputs[:2000]


# ---------------------------------------------------------------------------
# state from one check reaching the next; functions that never return
# ---------------------------------------------------------------------------

LEAK = """
import os as _os
import sys as _sys
# Anything an earlier check left behind shows here, when this file is imported for a later one.
_LEFT = [p for p in ("leak_marker.txt", "/tmp/leak_marker.txt", _os.path.expanduser("~/leak_marker.txt"))
         if _os.path.exists(p)] + (["environment"] if _os.environ.get("LEAK_MARKER") else []) \
        + (["module"] if getattr(_sys, "leak_marker", False) else [])
if _LEFT:
    raise RuntimeError("state leaked from an earlier check: %s" % _LEFT)


def _leave_state():
    for path in ("leak_marker.txt", "/tmp/leak_marker.txt", _os.path.expanduser("~/leak_marker.txt")):
        try:
            with open(path, "w") as f:
                f.write("left by an earlier check")
        except OSError:
            pass
    _os.environ["LEAK_MARKER"] = "1"
    _sys.leak_marker = True
"""


def test_nothing_a_check_leaves_behind_reaches_the_next(correct_submission, tmp_path):
    """Files in the working folder, /tmp and home, environment variables and module
    state written by one check are gone for the next: each check is a fresh child
    of the sandbox's zygote, in a fresh copy of the submission."""
    step = {"rnn_step_forward": """
        def rnn_step_forward(x, prev_h, Wx, Wh, b):
            _leave_state()
            next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
            return next_h, (x, prev_h, Wx, Wh, next_h)
        """}
    submission = build(correct_submission, tmp_path, replace=step, append=LEAK)
    results = grade_hostile(submission, tmp_path, "rnn_step or rnn_forward", 90)
    assert all(t["status"] == "passed" for t in results["tests"]), [
        t["output"] for t in results["tests"] if t["status"] != "passed"]
    assert not (submission / "leak_marker.txt").exists()


def test_functions_that_never_return_are_bounded_and_named(correct_submission, tmp_path):
    """Every graded layer function sleeps forever, ignoring signals: the first check
    of each waits out its limit and names where it hung; later checks that call a
    function which hung fail at once instead of waiting again; sleeping costs no
    CPU time, so the budget's clock (1.5 times its CPU seconds) is what ends it."""
    import re as _re
    layers = (SOURCE / "captioning" / "rnn_layers.py").read_text()
    names = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward", "word_embedding_forward",
             "word_embedding_backward", "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward"]
    sleepers = {}
    for name in names:
        signature = _re.search(r"def %s\(([^)]*)\)" % name, layers).group(1)
        sleepers[name] = ("def %s(%s):\n    import signal, time\n"
                          "    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):\n"
                          "        signal.signal(s, signal.SIG_IGN)\n"
                          "    while True:\n        time.sleep(1)\n" % (name, signature))
    submission = build(correct_submission, tmp_path, replace=sleepers)
    env = dict(os.environ, AUTOGRADER_BUDGET_SECONDS="30")
    started = time.monotonic()
    proc, results = run_grader(submission, tmp_path / "out", "-k", "not overfit and not loss and not sample",
                               env=env)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 30 * 1.5 + 25, "grading took %.0f s" % elapsed
    assert results["score"] == 0
    outputs = [t["output"] for t in results["tests"]]
    assert any("while running rnn_step_forward" in text for text in outputs)
    # rnn_step_backward calls rnn_step_forward first: it does not wait for it again
    assert any("rnn_step_forward did not finish in an earlier check" in t["output"] for t in results["tests"]
               if t["extra_data"]["part"] == "rnn_step_backward")
    assert all("did not finish" in text or "time budget" in text or "ran out of time" in text
               for text in outputs), outputs


def test_the_time_budget_counts_cpu_seconds_of_the_students_code(correct_submission, tmp_path):
    """rnn_step_forward computes for about 2 CPU seconds before its right answer:
    with a budget of 5, the first calls pass, a later one is cut short by what is
    left, and the rest do not start. The report says how much was used."""
    layers = (SOURCE / "captioning" / "rnn_layers.py").read_text()
    assert "def rnn_step_forward(x, prev_h, Wx, Wh, b):" in layers
    slow = ("def rnn_step_forward(x, prev_h, Wx, Wh, b):\n    import time\n"
            "    spin = time.process_time() + 2.0\n    while time.process_time() < spin:\n        pass\n"
            "    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)\n    return next_h, (x, prev_h, Wx, Wh, next_h)\n")
    submission = build(correct_submission, tmp_path, replace={"rnn_step_forward": slow})
    env = dict(os.environ, AUTOGRADER_BUDGET_SECONDS="5")
    proc, results = run_grader(submission, tmp_path / "out", "-k", "rnn_step_forward", env=env)
    assert proc.returncode == 0, proc.stderr
    outputs = [t["output"] for t in results["tests"]]
    assert "passes" in outputs[0] and "Error: 0 " in outputs[0], outputs[0]     # it ran, and was right
    assert "stopped: the time budget of this grading ran out (5 s of CPU time" in outputs[1], outputs
    assert all("ran out" in text for text in outputs[2:]), outputs
    assert re.search(r"your code used [\d.]+ of the 5 CPU seconds", results["output"]), results["output"]


def test_lanes_side_by_side_share_one_budget(correct_submission, tmp_path):
    """rnn_step_forward spins in the first lane while the training, whose loss spins,
    runs in the second: the calls in flight count as they run, so together they
    stop at the budget, not at once per lane."""
    from autograder.grade import grade_in_subprocess
    spin = "    while True:\n        pass\n"
    submission = build(correct_submission, tmp_path,
                       replace={"rnn_step_forward": "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n" + spin},
                       replace_model={"loss": "def loss(self, features, captions):\n" + spin})
    env = dict(os.environ, AUTOGRADER_BUDGET_SECONDS="20")
    started = time.monotonic()
    proc, results = grade_in_subprocess(submission, tmp_path / "out", select="rnn_step_forward or overfit_rnn",
                                        env=env, lanes=2)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    used = float(re.search(r"your code used ([\d.]+) of the 20 CPU seconds", results["output"]).group(1))
    assert used <= 20 + 2, used          # each lane looks every half second (before: up to 20 per lane)
    assert elapsed < 20 * 1.5, elapsed
    assert results["score"] == 0
    overfit = [t["output"] for t in results["tests"] if t["extra_data"]["part"] == "overfit_rnn"]
    assert overfit and any("time budget of this grading ran out" in text for text in overfit), overfit


# ---------------------------------------------------------------------------
# the idle rule: a call that waits without computing is stopped early
# ---------------------------------------------------------------------------

IDLE_SECONDS = Limits().idle_seconds
SLEEP_IGNORING_SIGNALS = ("    import signal, time\n"
                          "    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):\n"
                          "        signal.signal(s, signal.SIG_IGN)\n"
                          "    while True:\n        time.sleep(1)\n")


def test_a_call_that_waits_without_computing_is_stopped_and_named(correct_submission, tmp_path):
    """The training's loss sleeps forever, ignoring signals: the training's own wall
    limit (400 s) and the budget's clock (90 s here) are far off, but it uses no CPU
    time, so the idle rule stops it after IDLE_SECONDS and names where it waited."""
    submission = build(correct_submission, tmp_path,
                       replace_model={"loss": "def loss(self, features, captions):\n" + SLEEP_IGNORING_SIGNALS})
    env = dict(os.environ, AUTOGRADER_BUDGET_SECONDS="60")
    started = time.monotonic()
    proc, results = run_grader(submission, tmp_path / "out", "-k", "overfit_rnn", env=env)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert elapsed < IDLE_SECONDS + 15, "grading took %.0f s" % elapsed
    [training] = [t for t in results["tests"] if t["extra_data"]["part"] == "overfit_rnn"]
    assert training["score"] == 0
    assert "stopped after %.0f s of waiting without computing" % IDLE_SECONDS in training["output"], training
    assert "while running loss (captioning/classifiers/rnn.py, line" in training["output"], training


BUSY_LOOPS = 30


@pytest.fixture
def loaded_machine():
    """Busy loops outside the sandbox, BUSY_LOOPS of them on one core, with this test's
    process (and so the grader it starts) pinned to that core for the test's duration:
    enough to stretch the short graded trainings past the idle rule on the clock,
    while the other cores stay free for the rest of the suite. Each loop in its own
    session: the scheduler shares a core between sessions first (autogroup), so
    loops in one session would leave the sandbox's calls half of it."""
    before = os.sched_getaffinity(0)
    core = max(before)
    os.sched_setaffinity(0, {core})
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
            for _ in range(BUSY_LOOPS)]
    try:
        yield core
    finally:
        for process in busy:
            process.kill()
            process.wait()
        os.sched_setaffinity(0, before)


def test_the_idle_rule_never_stops_correct_code_on_a_loaded_machine(correct_submission, tmp_path, loaded_machine):
    """With the grader sharing its one core with BUSY_LOOPS busy loops, the correct
    trainings run several times longer than IDLE_SECONDS on the clock; they get
    little CPU time, but some, all along, so they are never taken for waiting."""
    proc, results = run_grader(correct_submission, tmp_path / "out", "-k", "overfit or lstm_step_forward")
    assert proc.returncode == 0, proc.stderr
    assert all(t["status"] == "passed" for t in results["tests"]), [t["output"] for t in results["tests"]]
    trainings = [t["extra_data"] for t in results["tests"] if t["extra_data"]["part"].startswith("overfit_")]
    assert len(trainings) == 2 and max(t["seconds"] for t in trainings) > 1.5 * IDLE_SECONDS, trainings
    assert "waiting without computing" not in json.dumps(results)


ROOT_WITHOUT_ISOLATION = """
import os, sys
from autograder import cli, isolation
isolation._bwrap_works = lambda: False            # as on a machine without bubblewrap
isolation._world_traversable = lambda path: False   # and the packages under a folder like /root
os.geteuid = lambda: 0
sys.exit(cli.main(["grade", sys.argv[1], "--out", sys.argv[2]]))
"""


def test_student_code_never_runs_as_root_unasked(correct_submission, tmp_path):
    """As root with neither bubblewrap nor numpy reachable by an unprivileged uid, the
    grader refuses with what to do, and runs nothing (a kill(-1) would take the machine)."""
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_ISOLATION"}
    proc = subprocess.run([sys.executable, "-c", ROOT_WITHOUT_ISOLATION, str(correct_submission), str(tmp_path / "out")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "bubblewrap" in proc.stderr and "--isolation rlimits-only" in proc.stderr
    assert not (tmp_path / "out" / "results.json").exists()

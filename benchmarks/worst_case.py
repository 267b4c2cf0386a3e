"""The grading time of submissions that never finish, with the grader's default budget.

    .venv/bin/python benchmarks/worst_case.py [--kinds sleep spin]

Two submissions are made from the solutions: every graded function of the
layers file, and the model's loss and sample, replaced by one that ignores
SIGTERM, SIGINT and SIGALRM and then sleeps forever ("sleep": no CPU time, so
each call ends at its wall-clock limit or by the idle rule,
Limits.idle_seconds), spins forever ("spin": CPU time, so the budget's CPU
seconds end it) or allocates without bound ("memory": 128 MB at a time, until
the address-space limit). Each is graded once, all checks, with
`python -m autograder grade`; prints the wall time, the score and the CPU
seconds the report says the code used, beside rubric.json's budget.
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import assignment  # noqa: E402
from autograder.sandbox import Limits  # noqa: E402

BODIES = {
    "sleep": "    while True:\n        time.sleep(1)\n",
    "spin": "    while True:\n        pass\n",
    "memory": "    import numpy\n    hog = []\n    while True:\n        hog.append(numpy.ones(1 << 24))\n",
}
IGNORE_SIGNALS = ("    import signal, time\n"
                  "    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):\n"
                  "        signal.signal(s, signal.SIG_IGN)\n")


def never_finishing(task, kind, dest):
    """A copy of the solutions whose graded functions never return (appended definitions win)."""
    shutil.copytree(ROOT / "solutions" / task.id, dest)
    package = dest / task.package
    layers_file, model_file = (package / task.graded_files[key] for key in ("layers", "model"))
    layers = layers_file.read_text()
    graded = [p.id for p in task.auto_parts if re.search(r"^def %s\(" % p.id, layers, re.M)]
    stubs = ["\n\ndef %s(*args, **kwargs):\n%s%s" % (name, IGNORE_SIGNALS, BODIES[kind]) for name in graded]
    layers_file.write_text(layers + "".join(stubs))
    model_file.write_text(model_file.read_text() + "\n\ndef _never(self, *args, **kwargs):\n%s%s\n"
                          "CaptioningRNN.loss = _never\nCaptioningRNN.sample = _never\n"
                          % (IGNORE_SIGNALS, BODIES[kind]))
    return dest, graded


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", choices=sorted(BODIES), default=sorted(BODIES))
    args = parser.parse_args()
    task = assignment.load()
    budget = task.settings.get("time_budget_seconds")
    print("budget in rubric.json: %s CPU seconds (the clock may run 1.5 times as long); a call that waits "
          "without computing is stopped after %g s" % (budget, Limits().idle_seconds))
    for kind in args.kinds:
        tmp = Path(tempfile.mkdtemp(prefix="worst-case-"))
        submission, graded = never_finishing(task, kind, tmp / task.id)
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--out",
                               str(tmp / "out")], cwd=ROOT, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        results = json.loads((tmp / "out" / "results.json").read_text())
        used = re.search(r"your code used ([\d.]+) of", results.get("output", ""))
        print("%-6s %2d functions + loss + sample never return: graded in %5.1f s wall, score %g / %g, "
              "code's CPU time %s s, exit %d"
              % (kind, len(graded), elapsed, results["score"], results["extra_data"]["max_score"],
                 used.group(1) if used else "?", proc.returncode))
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The README's "For instructors" step 3 (grading), executed as written, in a folder
that holds what the lines expect: the kit's .venv, release/ and out/demo/submissions/
(which `make demo` writes; here two untouched releases, so the test stays quick)."""
import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import RELEASE, ROOT, TASK


def grading_commands():
    section = (ROOT / "README.md").read_text().split("## For instructors", 1)[1].split("\n## ", 1)[0]
    step = section.split("3. **Grade**", 1)[1].split("\n4. ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", step, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_grading_commands_run_as_written(tmp_path):
    commands = grading_commands()
    assert len(commands) == 3 and "grade-batch out/demo/submissions" in commands[1]
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    (tmp_path / "release").mkdir()
    (tmp_path / "release" / TASK.id).symlink_to(RELEASE)
    for student in ("alice", "bob"):
        shutil.copytree(RELEASE, tmp_path / "out" / "demo" / "submissions" / student / TASK.id)
    script = "set -euo pipefail\n" + "\n".join(commands)
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    assert "0 / %g automatic points" % TASK.max_score() in proc.stdout
    assert (tmp_path / "out" / "release" / "report.html").is_file()
    with open(tmp_path / "out" / "batch" / "grades.csv", newline="") as f:
        students = {row["student"]: row for row in csv.DictReader(f)}
    assert {"alice", "bob"} <= set(students) and students["alice"]["status"] == "graded"
    # the second run found both up to date and only compared the code
    assert "2 submissions: 2 graded, 0 could not be graded (0 now, 2 up to date)" in proc.stdout
    assert (tmp_path / "out" / "batch" / "similarity" / "similarity.csv").is_file()

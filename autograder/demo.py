"""What `make demo` shows: grade three submissions and print a part x submission table.

    from autograder.demo import run_demo
    print(run_demo())             # solutions, untouched release, typical mistakes

The typical-mistakes example is generated from the solutions at demo time
(mutants.TYPICAL_MISTAKES), so no second copy of the package is committed.
"""
import json
import subprocess
import sys
from pathlib import Path

from . import mutants, rubric
from .paths import KIT_ROOT, RELEASE_DIR, SOLUTIONS_DIR


def demo_table(results_by_submission):
    """A plain-text table: one row per rubric part, one column per submission.

    results_by_submission: {submission label: parsed results.json}. Manual parts
    show 'manual'; the last row is the automatic total."""
    parts = rubric.load_parts()
    labels = list(results_by_submission)
    scores = {}
    for label, results in results_by_submission.items():
        for test in results["tests"]:
            key = (label, test["extra_data"]["part"])
            scores[key] = scores.get(key, 0.0) + test["score"]
    width = max(len(p.title) for p in parts) + 2
    columns = [max(len(label), 9) + 2 for label in labels]
    lines = ["part".ljust(width) + "points".rjust(8) + "".join(l.rjust(c) for l, c in zip(labels, columns))]
    for part in parts:
        cells = ["manual" if part.kind == "manual" else "%.4g" % scores.get((label, part.id), 0.0)
                 for label in labels]
        lines.append(part.title.ljust(width) + ("%g" % part.points).rjust(8)
                     + "".join(cell.rjust(c) for cell, c in zip(cells, columns)))
    auto_total = sum(p.points for p in parts if p.kind == "auto")
    lines.append("automatic total".ljust(width) + ("%g" % auto_total).rjust(8)
                 + "".join(("%.4g" % results_by_submission[l]["score"]).rjust(c) for l, c in zip(labels, columns)))
    return "\n".join(lines)


def run_demo(out_root=KIT_ROOT / "out" / "demo"):
    """Grade solutions, the untouched release and the typical-mistakes example; return the table."""
    out_root = Path(out_root)
    example = out_root / "typical_mistakes" / "rnn_captioning"
    if example.parent.exists():
        import shutil
        shutil.rmtree(example.parent)
    mutants.make_typical_mistakes(SOLUTIONS_DIR, example)
    submissions = {"solutions": SOLUTIONS_DIR, "release": RELEASE_DIR, "typical_mistakes": example}
    results = {}
    for label, folder in submissions.items():
        out_dir = out_root / ("graded_" + label)
        subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out_dir)],
                       cwd=KIT_ROOT, check=True)
        results[label] = json.loads((out_dir / "results.json").read_text())
    mistakes = "; ".join("%s: %s" % (mutants.MUTANTS_BY_NAME[n].part, mutants.MUTANTS_BY_NAME[n].description)
                         for n in mutants.TYPICAL_MISTAKES)
    return demo_table(results) + "\n\ntypical_mistakes = solutions with: " + mistakes + \
        "\nreports: %s/graded_*/report.html" % out_root


if __name__ == "__main__":
    print(run_demo())

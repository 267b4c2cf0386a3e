"""What `make demo` shows: grade three submissions and print a part x submission table.

    from demo.grading_table import run_demo
    print(run_demo())             # solutions, untouched release, typical mistakes

The three are laid out in out/demo/submissions/<label>/ as nbgrader's
submitted/ folder is, and graded with grade-batch into out/demo/graded/. The
typical-mistakes example is generated from the solutions at demo time (the
assignment's mutants.TYPICAL_MISTAKES), so no second copy of the package is
committed.
"""
import shutil
from pathlib import Path

from autograder import assignment
from autograder.batch import grade_batch
from autograder.paths import KIT_ROOT


def demo_table(results_by_submission):
    """A plain-text table: one row per rubric part, one column per submission.

    results_by_submission: {submission label: parsed results.json}. Manual parts
    show 'manual'; the last row is the automatic total."""
    parts = list(assignment.load().parts.values())
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


def lay_out_submissions(folder, task):
    """folder/<label>/<assignment id>: the demo's three submissions, laid out as nbgrader's
    submitted/<student>/ (the README's grade-batch examples grade this folder)."""
    mutants = task.grading_module("quality.mutants")
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(KIT_ROOT / "solutions" / task.id, folder / "solutions" / task.id)
    shutil.copytree(KIT_ROOT / "release" / task.id, folder / "release" / task.id)
    mutants.make_typical_mistakes(KIT_ROOT / "solutions" / task.id, folder / "typical_mistakes" / task.id)
    return folder


def run_demo(out_root=KIT_ROOT / "out" / "demo"):
    """Grade solutions, the untouched release and the typical-mistakes example as one batch
    (out_root/submissions -> out_root/graded); return the table."""
    task = assignment.load()
    mutants = task.grading_module("quality.mutants")
    out_root = Path(out_root)
    submissions = lay_out_submissions(out_root / "submissions", task)
    outcome = grade_batch(submissions, out_root / "graded", jobs=2)
    if outcome.not_graded:
        raise SystemExit("grading failed: %s" % "; ".join("%s: %s" % (name, status.reason)
                                                           for name, status in outcome.not_graded.items()))
    results = {label: outcome.results[label] for label in ("solutions", "release", "typical_mistakes")}
    mistakes = "; ".join("%s: %s" % (mutants.MUTANTS_BY_NAME[n].part, mutants.MUTANTS_BY_NAME[n].description)
                         for n in mutants.TYPICAL_MISTAKES)
    return demo_table(results) + "\n\ntypical_mistakes = solutions with: " + mistakes + \
        "\nreports: %s/graded/<submission>/report.html; the class summary: %s/graded/summary.html" \
        % (out_root, out_root)


if __name__ == "__main__":
    print(run_demo())

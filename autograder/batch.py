"""`python -m autograder grade-batch FOLDER --out DIR [--jobs N]`

Grades every submission in FOLDER (sub-folders, e.g. nbgrader's
submitted/<student>/, or .zip files) with one grader process each, N at a
time, into DIR/<student>/. Resumable: a submission whose results.json is newer
than the submission itself is not graded again. Writes DIR/grades.csv (one
column per part) and DIR/summary.md (the class summary).
"""
import csv
import json
import statistics
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from . import assignment
from .grade import grade_in_subprocess
from .scoring import part_scores


def find_submissions(folder):
    entries = sorted(p for p in Path(folder).iterdir()
                     if (p.is_dir() and not p.is_symlink()) or p.suffix == ".zip")
    return {p.stem if p.suffix == ".zip" else p.name: p for p in entries}


def _newest_mtime(path):
    if path.is_file():
        return path.stat().st_mtime
    return max([path.stat().st_mtime] + [p.lstat().st_mtime for p in path.rglob("*")])


def is_up_to_date(submission, out_dir):
    results = out_dir / "results.json"
    return results.is_file() and results.stat().st_mtime >= _newest_mtime(submission)


def grade_one(submission, out_dir, select=None):
    proc, _ = grade_in_subprocess(submission, out_dir, select=select, lanes=1)   # the batch keeps the cores busy
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "grader failed")


def grade_batch(folder, out, jobs=2, select=None):
    out.mkdir(parents=True, exist_ok=True)
    submissions = find_submissions(folder)
    todo = {name: path for name, path in submissions.items() if not is_up_to_date(path, out / name)}
    from tqdm import tqdm
    errors = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool, \
            tqdm(total=len(submissions), initial=len(submissions) - len(todo), unit="submission") as bar:
        futures = {pool.submit(grade_one, path, out / name, select): name for name, path in todo.items()}
        for future in as_completed(futures):
            try:
                future.result()
            except RuntimeError as exc:
                errors[futures[future]] = str(exc)
            bar.update(1)
    results = {}
    for name in submissions:
        path = out / name / "results.json"
        if path.is_file():
            results[name] = json.loads(path.read_text())
    write_grades_csv(results, out / "grades.csv")
    (out / "summary.md").write_text(class_summary(results, errors))
    print("graded %d submissions (%d now, %d up to date); grades in %s"
          % (len(results), len(todo), len(submissions) - len(todo), out / "grades.csv"))
    return results


def write_grades_csv(results_by_student, path):
    parts = assignment.load().auto_parts
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student"] + [p.id for p in parts] + ["automatic_total"])
        for student, results in sorted(results_by_student.items()):
            scores = part_scores(results)
            writer.writerow([student] + ["%.4g" % scores.get(p.id, 0.0) for p in parts]
                            + ["%.4g" % results["score"]])


def class_summary(results_by_student, errors=None):
    parts = list(assignment.load().parts.values())
    lines = ["# Class summary", "", "%d submissions graded." % len(results_by_student), ""]
    if errors:
        lines += ["Not graded (grader error): " + ", ".join("%s (%s)" % item for item in sorted(errors.items())), ""]
    lines += ["| part | points | mean | median | full marks | zero |", "| --- | --- | --- | --- | --- | --- |"]
    all_scores = [part_scores(r) for r in results_by_student.values()]
    for part in parts:
        if part.kind == "manual":
            lines.append("| %s | %g | manual | | | |" % (part.title, part.points))
            continue
        values = [s.get(part.id, 0.0) for s in all_scores] or [0.0]
        lines.append("| %s | %g | %.2f | %.2f | %d | %d |" % (
            part.title, part.points, statistics.mean(values), statistics.median(values),
            sum(abs(v - part.points) < 1e-6 for v in values), sum(v == 0 for v in values)))
    totals = [r["score"] for r in results_by_student.values()] or [0.0]
    lines += ["", "Automatic total: mean %.2f, median %.2f, min %.2f, max %.2f."
              % (statistics.mean(totals), statistics.median(totals), min(totals), max(totals))]
    failing = {}
    for results in results_by_student.values():
        for test in results["tests"]:
            if test["status"] == "failed":
                failing[test["name"]] = failing.get(test["name"], 0) + 1
    if failing:
        lines += ["", "Most failed checks:", ""]
        lines += ["- %s: %d" % item for item in sorted(failing.items(), key=lambda i: -i[1])[:10]]
    return "\n".join(lines) + "\n"

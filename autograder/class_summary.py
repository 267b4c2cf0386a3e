"""A batch's class-level outputs: grades.csv, lms_grades.csv, summary.md and summary.html.

- grades.csv: a header, a max-points row, then one row per student: status
  (graded / unreadable / grader error), a column per part in rubric order
  (manual questions empty until graded; a part not run with -k empty),
  the automatic total, and why a submission could not be graded.
- lms_grades.csv: `student_id,total`, the automatic total, one row per
  student; empty when the submission could not be graded (never a silent 0).
- summary.md / summary.html: counts, the submissions that could not be
  graded, per-part statistics, the most-failed checks with their catalogued
  hint (checks failed by as many students grouped), and in the HTML the
  histogram of totals and the pass rate per part and per check (embedded PNG).
"""
import base64
import csv
import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

import jinja2

from uploads.wording import counted

MAX_ROW_LABEL = "(max points)"
TOP_FAILED = 10          # most-failed checks listed (whole tie groups)


@dataclass
class CheckStats:
    part: str
    key: str
    name: str
    ran: int = 0
    failed: int = 0
    hints: Counter = field(default_factory=Counter)

    @property
    def pass_rate(self):
        return (self.ran - self.failed) / self.ran if self.ran else 0.0


def hint_catalogue(task):
    """{hint id: text} of the assignment's catalogue of mistakes (its `HINTS`, in grading/ or
    in the reference package's `diagnosis` module); {} when it has none."""
    catalogue = getattr(task.grading, "HINTS", None)
    if catalogue is None:
        try:
            catalogue = getattr(task.reference().module("diagnosis"), "HINTS", None)
        except ImportError:
            catalogue = None
    # Fields filled in per case ({name}, {what}) read as an ellipsis here.
    return {key: re.sub(r"\{[^{}]*\}", "...", text) for key, text in (catalogue or {}).items()}


def part_scores(results):
    scores = {}
    for test in results["tests"]:
        part = test["extra_data"]["part"]
        scores[part] = scores.get(part, 0.0) + test["score"]
    return scores


def check_stats(results_by_student, hints=None):
    """{(part, check): CheckStats} over the graded students, in the order first seen;
    failing rows' hint ids read through `hints` ({id: text})."""
    hints, stats = hints or {}, {}
    for results in results_by_student.values():
        for test in results["tests"]:
            extra = test.get("extra_data") or {}
            key = (extra.get("part", ""), extra.get("check") or test["name"])
            entry = stats.setdefault(key, CheckStats(key[0], key[1], test["name"]))
            entry.ran += 1
            if test["status"] != "passed":
                entry.failed += 1
                if extra.get("hint"):
                    entry.hints[hints.get(extra["hint"], extra["hint"])] += 1
    return stats


def most_failed(stats, top=TOP_FAILED):
    """[(failed count, [CheckStats])], most failed first; checks failed by as many students in
    one group; whole groups until `top` checks are listed."""
    groups = {}
    for entry in stats.values():
        if entry.failed:
            groups.setdefault(entry.failed, []).append(entry)
    listed, shown = [], 0
    for count in sorted(groups, reverse=True):
        if shown >= top:
            break
        listed.append((count, groups[count]))
        shown += len(groups[count])
    return listed


# ------------------------------------------------------------------ CSVs
def write_grades_csv(outcome, parts, path):
    auto = [p for p in parts if p.kind == "auto"]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "status"] + [p.id for p in parts] + ["automatic_total", "note"])
        writer.writerow([MAX_ROW_LABEL, ""] + ["%g" % p.points for p in parts]
                        + ["%g" % sum(p.points for p in auto), "manual questions: fill in after grading by hand"])
        for student, status in sorted(outcome.statuses.items()):
            results = outcome.results.get(student)
            if results is None:
                writer.writerow([student, status.status] + [""] * len(parts) + ["", status.reason])
                continue
            scores = part_scores(results)
            writer.writerow([student, status.status]
                            + ["%.4g" % scores[p.id] if p.id in scores else "" for p in parts]
                            + ["%.4g" % results["score"], status.reason])


def write_lms_csv(outcome, path):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "total"])
        for student in sorted(outcome.statuses):
            results = outcome.results.get(student)
            writer.writerow([student, "%.4g" % results["score"] if results is not None else ""])


# ----------------------------------------------------------------- plots
def _png(figure):
    import matplotlib.pyplot as plt
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")   # long check names stay whole
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def plots(totals, max_total, part_rates, check_rates):
    """{name: base64 PNG}: histogram of totals, pass rate per part, pass rate per check."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    images = {}
    figure, ax = plt.subplots(figsize=(7, 3.2))
    bins = [max_total * i / 20 for i in range(21)] if max_total else 10
    ax.hist(totals, bins=bins, color="#4c72b0", edgecolor="white")
    if totals:
        ax.axvline(statistics.median(totals), color="black", linestyle="--",
                   label="median %.1f" % statistics.median(totals))
        ax.legend(fontsize=8)
    ax.set_xlim(0, max_total or None)
    ax.set_xlabel("automatic points (of %g)" % max_total)
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title("Automatic totals")
    images["totals"] = _png(figure)
    for name, rates, title in (("parts", part_rates, "Full marks per part (share of graded students)"),
                               ("checks", check_rates, "Passed per check (share of graded students)")):
        if not rates:
            continue
        labels = [label for label, _ in rates]
        figure, ax = plt.subplots(figsize=(8, 0.8 + 0.24 * len(rates)))
        values = [100 * rate for _, rate in rates]
        ax.barh(range(len(rates)), values, color=["#c44e52" if v < 50 else "#55a868" for v in values])
        ax.set_yticks(range(len(rates)))
        ax.set_yticklabels(labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("%")
        ax.set_title(title)
        images[name] = _png(figure)
    return images


# ---------------------------------------------------------------- summary
def summary_data(outcome, parts, hints=None):
    results = outcome.results
    auto = [p for p in parts if p.kind == "auto"]
    max_total = sum(p.points for p in auto)
    all_scores = {name: part_scores(r) for name, r in results.items()}
    part_rows = []
    for part in parts:
        if part.kind != "auto":
            part_rows.append({"title": part.title, "points": part.points, "manual": True})
            continue
        values = [s[part.id] for s in all_scores.values() if part.id in s]
        part_rows.append({"title": part.title, "points": part.points, "manual": False, "graded": len(values),
                          "mean": statistics.mean(values) if values else None,
                          "median": statistics.median(values) if values else None,
                          "full": sum(abs(v - part.points) < 1e-6 for v in values),
                          "zero": sum(v == 0 for v in values)})
    stats = check_stats(results, hints)
    totals = [r["score"] for r in results.values()]
    return {
        "n": len(outcome.statuses), "graded": len(results), "not_graded": sorted(outcome.not_graded.items()),
        "max_total": max_total, "totals": totals, "parts": part_rows, "stats": stats,
        "most_failed": most_failed(stats),
        "part_rates": [(row["title"], row["full"] / row["graded"]) for row in part_rows
                       if not row["manual"] and row.get("graded")],
        "check_rates": [(entry.name, entry.pass_rate) for entry in stats.values()],
        "similarity": outcome.similarity,
        "interrupted": outcome.interrupted,
    }


def graded_tally(submissions, graded, not_graded):
    """'2 submissions: 1 graded, 1 could not be graded': the batch's first line, on the
    console and in both summaries."""
    return "%s: %d graded, %d could not be graded" % (counted(submissions, "submission"), graded, not_graded)


def _fmt(value):
    return "-" if value is None else "%.2f" % value


def summary_markdown(data):
    lines = ["# Class summary", "",
             graded_tally(data["n"], data["graded"], len(data["not_graded"])) + ".", ""]
    if data["interrupted"]:
        lines += ["**The run stopped early** (%s): run the same command again to grade the rest." % data["interrupted"], ""]
    if data["not_graded"]:
        lines += ["## Could not grade", "", "| student | status | reason |", "| --- | --- | --- |"]
        lines += ["| %s | %s | %s |" % (name, s.status, s.reason.replace("|", "\\|")) for name, s in data["not_graded"]]
        lines.append("")
    lines += ["## Parts (graded submissions)", "",
              "| part | points | mean | median | full marks | zero |", "| --- | --- | --- | --- | --- | --- |"]
    for row in data["parts"]:
        if row["manual"]:
            lines.append("| %s | %g | graded by hand | | | |" % (row["title"], row["points"]))
        elif not row["graded"]:
            lines.append("| %s | %g | not run | | | |" % (row["title"], row["points"]))
        else:
            lines.append("| %s | %g | %s | %s | %d | %d |" % (row["title"], row["points"], _fmt(row["mean"]),
                                                            _fmt(row["median"]), row["full"], row["zero"]))
    totals = data["totals"]
    if totals:
        lines += ["", "Automatic total (of %g): mean %.2f, median %.2f, min %.2f, max %.2f."
                  % (data["max_total"], statistics.mean(totals), statistics.median(totals), min(totals), max(totals))]
    if data["most_failed"]:
        lines += ["", "## Most failed checks", ""]
        for count, entries in data["most_failed"]:
            lines.append("- failed by %d of %d:" % (count, data["graded"]))
            for entry in entries:
                lines.append("  - %s" % entry.name)
                for hint, n in entry.hints.most_common(3):
                    lines.append("    - hint (%d): %s" % (n, hint))
    if data["similarity"] is not None:
        lines += ["", "## Similarity", "", "%s flagged: see similarity/similarity.html and similarity/summary.md."
                  % counted(data["similarity"].n_flagged, "pair")]
    lines += ["", "grades.csv: a column per part; lms_grades.csv: student_id,total; summary.html: the plots."]
    return "\n".join(lines) + "\n"


HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Class summary</title>
<style>
body { font-family: sans-serif; max-width: 1100px; margin: 1.5em auto; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 4px 7px; text-align: left; vertical-align: top; }
.bad { color: #b00; } .hint { color: #555; } .count { font-weight: bold; white-space: nowrap; }
img { max-width: 100%; }
</style></head><body>
<h1>Class summary</h1>
<p><strong>{{ graded_tally(d.n, d.graded, d.not_graded|length) }}.</strong>
 Files: <a href="grades.csv">grades.csv</a> (a column per part), <a href="lms_grades.csv">lms_grades.csv</a>
 (student_id,total for an LMS), <a href="summary.md">summary.md</a>.</p>
{% if d.interrupted %}<p class="bad"><strong>The run stopped early</strong> ({{ d.interrupted }}):
 run the same command again to grade the rest.</p>{% endif %}
{% if d.not_graded %}<h2 class="bad">Could not grade</h2>
<table><tr><th>student</th><th>status</th><th>reason</th></tr>
{% for name, s in d.not_graded %}<tr><td>{{ name }}</td><td>{{ s.status }}</td><td>{{ s.reason }}</td></tr>{% endfor %}
</table>{% endif %}
{% if d.similarity is not none %}<h2>Similarity</h2>
<p>{{ counted(d.similarity.n_flagged, "pair") }} flagged at threshold {{ '%.2f' % d.similarity.threshold }}:
 <a href="similarity/similarity.html">similarity report</a> (side by side),
 <a href="similarity/similarity.csv">similarity.csv</a>.</p>{% endif %}
{% if images.totals %}<h2>Automatic totals</h2><img alt="histogram of automatic totals" src="data:image/png;base64,{{ images.totals }}">{% endif %}
<h2>Parts</h2>
{% if images.parts %}<img alt="full marks per part" src="data:image/png;base64,{{ images.parts }}">{% endif %}
<table><tr><th>part</th><th>points</th><th>mean</th><th>median</th><th>full marks</th><th>zero</th></tr>
{% for row in d.parts %}<tr><td>{{ row.title }}</td><td>{{ '%g' % row.points }}</td>
{% if row.manual %}<td colspan="4">graded by hand</td>{% elif not row.graded %}<td colspan="4">not run</td>
{% else %}<td>{{ '%.2f' % row.mean }}</td><td>{{ '%.2f' % row.median }}</td><td>{{ row.full }}</td><td>{{ row.zero }}</td>{% endif %}</tr>{% endfor %}
</table>
{% if d.most_failed %}<h2>Most failed checks</h2>
<table><tr><th>failed by</th><th>check</th><th>what students got wrong (catalogued hint, students)</th></tr>
{% for count, entries in d.most_failed %}{% for entry in entries %}<tr>
{% if loop.first %}<td class="count" rowspan="{{ entries|length }}">{{ count }} of {{ d.graded }}</td>{% endif %}
<td>{{ entry.name }}</td><td class="hint">{% for hint, n in entry.hints.most_common(3) %}{{ hint }} ({{ n }})<br>{% endfor %}</td>
</tr>{% endfor %}{% endfor %}</table>{% endif %}
{% if images.checks %}<h2>Every check</h2><img alt="passed per check" src="data:image/png;base64,{{ images.checks }}">{% endif %}
</body></html>
"""


def summary_html(data):
    images = plots(data["totals"], data["max_total"], data["part_rates"], data["check_rates"]) if data["graded"] else {}
    return jinja2.Environment(autoescape=True).from_string(HTML).render(d=data, images=images, counted=counted,
                                                                         graded_tally=graded_tally)


def write_class_outputs(outcome, task):
    parts = list(task.parts.values())
    out = outcome.out
    write_grades_csv(outcome, parts, out / "grades.csv")
    write_lms_csv(outcome, out / "lms_grades.csv")
    data = summary_data(outcome, parts, hint_catalogue(task))
    (out / "summary.md").write_text(summary_markdown(data))
    (out / "summary.html").write_text(summary_html(data))

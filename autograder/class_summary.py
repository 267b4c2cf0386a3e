"""A batch's class-level outputs: grades.csv, lms_grades.csv, summary.md and summary.html.

- grades.csv: a header, a max-points row, then one row per student: status
  (graded / could not be imported / unreadable / grader error / not graded),
  a column per part in rubric order (manual questions empty until graded; a
  part not run with -k empty), the automatic total, and why a submission
  could not be graded.
- lms_grades.csv: `student_id,total`, the automatic total, one row per
  student; empty when the submission could not be graded (never a silent 0).
- summary.md / summary.html: what needs the instructor's attention (not
  graded, could not be imported, what the copy check flagged or could not
  compare), one row per student (total, status, a link to the report), the
  catalogued mistakes grouped by mistake with the students who made them and
  the hint as each one's report words it, what is not done yet (parts not
  implemented, files that could not be imported, nothing to grade), per-part
  statistics and, in the HTML, the distribution of totals and of each part's
  score (0, partial, full) as embedded PNGs. The HTML is one self-contained
  file: its only links are to the students' reports and the batch's own files.
"""
import base64
import csv
import io
import re
import statistics
from dataclasses import dataclass, field
from urllib.parse import quote

import jinja2

from .batch_status import NOT_IMPORTABLE, UNREADABLE
from .report import NOT_IMPLEMENTED_HINTS, code_spans, says_not_implemented
from .scoring import part_scores
from uploads.wording import counted

MAX_ROW_LABEL = "(max points)"
# A check that fails only because the file it needs could not be imported is not a mistake.
NOT_DONE_HINTS = tuple(NOT_IMPLEMENTED_HINTS) + ("import_error",)
FULL, PARTIAL, ZERO = "full marks", "partial credit", "0 points"


def hint_catalogue(task):
    """{hint id: template} of the assignment's catalogue of mistakes (grading's
    `hint_catalogue()`), {fields} unfilled; {} when it has none."""
    return dict(getattr(task.grading, "hint_catalogue", dict)() or {})


def unfilled(template):
    """A template whose fields could not be recovered: each field reads as an ellipsis."""
    return re.sub(r"\{[^{}]*\}", "...", template)


def template_pattern(template):
    """A regex that finds the template filled in inside a report's message. A field never
    spans the `; ` or `: ` that join a message's findings (nor, leading, an opening
    parenthesis), so the match starts at the hint's own first word."""
    pieces = re.split(r"(\{[^{}]*\})", template)
    fields = [i for i, piece in enumerate(pieces) if piece.startswith("{") and piece.endswith("}")]
    regex = []
    for i, piece in enumerate(pieces):
        if i not in fields:
            regex.append(re.escape(piece))
        elif i == 1 and not pieces[0]:
            regex.append(r"[^;:(\n]+?")
        elif i == fields[-1] and not "".join(pieces[i + 1:]):
            regex.append(r"[^;:\n]+")          # nothing after it to stop a lazy match
        else:
            regex.append(r"[^;:\n]+?")
    return re.compile("".join(regex))


def filled_hint(template, messages):
    """The hint as the student's report words it: the template filled in, from the first of
    messages (their failing checks' text, in report order) that holds it; None if none does."""
    pattern = template_pattern(template)
    for message in messages:
        match = pattern.search(message)
        if match:
            return match.group(0).strip()
    return None


def report_link(out, student):
    """The student's report.html relative to the summary, or None when there is none."""
    return "%s/report.html" % quote(student) if (out / student / "report.html").is_file() else None


def _failing(results):
    for test in results["tests"]:
        if test["status"] != "passed":
            yield test, test.get("extra_data") or {}


def _message(test):
    return test.get("output", "").removeprefix("FAIL: ")


@dataclass
class Mistake:
    """One catalogued mistake across the class."""
    hint: str
    words: dict = field(default_factory=dict)       # student -> the hint as their report words it
    parts: list = field(default_factory=list)       # part titles it showed in, rubric order

    @property
    def students(self):
        return sorted(self.words)

    @property
    def wordings(self):
        """[(wording, [students])]: students whose reports word it alike together."""
        grouped = {}
        for student in self.students:
            grouped.setdefault(self.words[student], []).append(student)
        return sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))


def mistakes(results_by_student, parts, catalogue):
    """([Mistake] most students first, [(part title, [students])] of failing checks that name no
    catalogued mistake, {part title: [students]} of parts not implemented yet)."""
    titles = {part.id: part.title for part in parts}
    order = {part.id: i for i, part in enumerate(parts)}
    found, unnamed, not_done = {}, {}, {}
    for student, results in sorted(results_by_student.items()):
        named_parts, failing_parts, messages = set(), set(), [_message(t) for t, _ in _failing(results)]
        for test, extra in _failing(results):
            part, hint = extra.get("part", ""), extra.get("hint")
            if hint in NOT_DONE_HINTS or says_not_implemented(hint, _message(test)):
                if hint != "import_error":      # an import failure is said once, per file
                    not_done.setdefault(part, set()).add(student)
                continue
            failing_parts.add(part)
            if not hint:
                continue
            named_parts.add(part)
            mistake = found.setdefault(hint, Mistake(hint))
            if part not in mistake.parts:
                mistake.parts.append(part)
            if student not in mistake.words:
                template = catalogue.get(hint)
                words = filled_hint(template, messages) if template else None
                mistake.words[student] = words or (unfilled(template) if template else hint)
        for part in failing_parts - named_parts:
            unnamed.setdefault(part, set()).add(student)
    for mistake in found.values():
        mistake.parts = [titles.get(p, p) for p in sorted(mistake.parts, key=lambda p: order.get(p, len(order)))]
    listed = sorted(found.values(), key=lambda m: (-len(m.words), m.hint))
    by_part = lambda groups: [(titles.get(p, p), sorted(groups[p]))
                              for p in sorted(groups, key=lambda p: order.get(p, len(order)))]
    return listed, by_part(unnamed), by_part(not_done)


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
BUCKET_COLOURS = {ZERO: "#c44e52", PARTIAL: "#dd8452", FULL: "#55a868"}


def _png(figure):
    import matplotlib.pyplot as plt
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")   # long part titles stay whole
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def plots(totals, max_total, distribution):
    """{name: base64 PNG}: the histogram of totals; per part, how many students scored 0,
    partial credit and full marks (distribution: part rows of summary_data)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    images = {}
    figure, ax = plt.subplots(figsize=(7, 3.2))
    bins = [max_total * i / 20 for i in range(21)] if max_total else 10
    _, _, bars = ax.hist(totals, bins=bins, color="#4c72b0", edgecolor="white", label="students per bin")
    ax.bar_label(bars, labels=["%d" % b.get_height() if b.get_height() else "" for b in bars], fontsize=8)
    if totals:
        ax.axvline(statistics.median(totals), color="black", linestyle="--",
                   label="median %.1f" % statistics.median(totals))
    ax.legend(fontsize=8)
    ax.set_xlim(0, max_total or None)
    ax.set_xlabel("automatic points (of %g)" % max_total)
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.margins(y=0.15)
    ax.set_title("Automatic totals")
    images["totals"] = _png(figure)
    if distribution:
        figure, ax = plt.subplots(figsize=(9, 1.3 + 0.45 * len(distribution)))
        rows = range(len(distribution))
        left = [0] * len(distribution)
        for bucket in (ZERO, PARTIAL, FULL):
            counts = [row["buckets"][bucket] for row in distribution]
            bars = ax.barh(rows, counts, left=left, color=BUCKET_COLOURS[bucket], label=bucket)
            ax.bar_label(bars, labels=["%d" % c if c else "" for c in counts], label_type="center", fontsize=9)
            left = [a + b for a, b in zip(left, counts)]
        ax.set_yticks(list(rows))
        ax.set_yticklabels(["%s (%g pts)" % (row["title"], row["points"]) for row in distribution], fontsize=9)
        ax.invert_yaxis()
        ax.set_xlabel("students")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_title("Score per part")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        images["parts"] = _png(figure)
    return images


# ---------------------------------------------------------------- summary
def _names(out, students):
    return [(name, report_link(out, name)) for name in students]


def attention(outcome):
    """[{names: [(student, report link)], what, why}]: what an instructor must look at by hand."""
    out, rows = outcome.out, []
    for name, status in sorted(outcome.not_graded.items()):
        rows.append({"names": _names(out, [name]), "what": status.status, "why": status.reason})
    for name, status in sorted(outcome.statuses.items()):
        if status.status == NOT_IMPORTABLE:
            rows.append({"names": _names(out, [name]), "what": status.status, "why": status.reason})
    for entry, why in outcome.skipped:
        rows.append({"names": [(entry, None)], "what": "not a submission", "why": why})
    similarity = outcome.similarity
    if similarity is not None:
        from similarity.report import submission_note
        for cluster in similarity.clusters:
            students = [name for name in cluster if name in outcome.statuses]
            known = [name for name in cluster if name not in outcome.statuses]
            rows.append({"names": _names(out, students), "what": "similar code",
                         "why": "pairs over the copy check's threshold %.2f%s: see the similarity report"
                                % (similarity.threshold, " (and %d known solution%s)" % (
                                    len(known), "" if len(known) == 1 else "s") if known else "")})
        for sub in similarity.submissions:
            # An ungraded submission is listed above already, with the grader's reason.
            graded = sub.name in outcome.statuses and outcome.statuses[sub.name].graded
            if not sub.reference and graded and sub.status != "compared":
                rows.append({"names": _names(out, [sub.name]), "what": "not compared by the copy check",
                             "why": submission_note(sub)})
    return rows


def student_rows(outcome, max_total):
    rows = []
    for name, status in sorted(outcome.statuses.items()):
        results = outcome.results.get(name)
        rows.append({"name": name, "status": status.status, "reason": status.reason,
                     "total": results["score"] if results is not None else None, "max_total": max_total,
                     "report": report_link(outcome.out, name)})
    return rows


def _bucket(value, points):
    if abs(value - points) < 1e-6:
        return FULL
    return ZERO if abs(value) < 1e-9 else PARTIAL


def summary_data(outcome, parts, catalogue=None):
    results, out = outcome.results, outcome.out
    auto = [p for p in parts if p.kind == "auto"]
    max_total = sum(p.points for p in auto)
    all_scores = {name: part_scores(r) for name, r in results.items()}
    part_rows = []
    for part in parts:
        if part.kind != "auto":
            part_rows.append({"title": part.title, "points": part.points, "manual": True})
            continue
        values = [s[part.id] for s in all_scores.values() if part.id in s]
        buckets = {bucket: 0 for bucket in (ZERO, PARTIAL, FULL)}
        for value in values:
            buckets[_bucket(value, part.points)] += 1
        part_rows.append({"title": part.title, "points": part.points, "manual": False, "graded": len(values),
                          "mean": statistics.mean(values) if values else None,
                          "median": statistics.median(values) if values else None,
                          "buckets": buckets, "full": buckets[FULL], "partial": buckets[PARTIAL],
                          "zero": buckets[ZERO]})
    found, unnamed, not_done = mistakes(results, parts, catalogue or {})
    not_importable = [(name, list((results[name].get("extra_data") or {}).get("import_failures", {}).values())
                       or [status.reason])
                      for name, status in sorted(outcome.statuses.items())
                      if status.status == NOT_IMPORTABLE and name in results]
    return {
        "n": len(outcome.statuses), "graded": len(results), "not_graded": sorted(outcome.not_graded.items()),
        "max_total": max_total, "totals": [r["score"] for r in results.values()], "parts": part_rows,
        "distribution": [row for row in part_rows if not row["manual"] and row["graded"]],
        "students": student_rows(outcome, max_total), "attention": attention(outcome),
        "mistakes": [{"hint": m.hint, "students": _names(out, m.students), "parts": m.parts,
                      "wordings": [(words, _names(out, names)) for words, names in m.wordings]} for m in found],
        "unnamed": [(title, _names(out, names)) for title, names in unnamed],
        "not_done": [(title, _names(out, names)) for title, names in not_done],
        "not_importable": [(name, report_link(out, name), why) for name, why in not_importable],
        "nothing_to_grade": [(name, report_link(out, name), s.reason) for name, s in sorted(outcome.statuses.items())
                             if s.status == UNREADABLE],
        "similarity": outcome.similarity,
        "interrupted": outcome.interrupted,
        "regraded": outcome.regraded,
        "changes": [{"name": c.student, "report": report_link(out, c.student), "old": c.old, "new": c.new,
                     "parts": "; ".join("%s %g -> %g" % part for part in c.parts), "applied": c.applied_text}
                    for c in outcome.changes],
    }


def graded_tally(submissions, graded, not_graded):
    """'2 submissions: 1 graded, 1 could not be graded': the batch's first line, on the
    console and in both summaries."""
    return "%s: %d graded, %d could not be graded" % (counted(submissions, "submission"), graded, not_graded)


def _fmt(value):
    return "-" if value is None else "%.2f" % value


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_names(names):
    return ", ".join("[%s](%s)" % (_md(name), link) if link else _md(name) for name, link in names)


def summary_markdown(data):
    lines = ["# Class summary", "",
             graded_tally(data["n"], data["graded"], len(data["not_graded"])) + ".", ""]
    if data["interrupted"]:
        lines += ["**The run stopped early** (%s): run the same command again to grade the rest." % data["interrupted"], ""]
    if data["attention"]:
        lines += ["## Needs your attention", "", "| student | what | why |", "| --- | --- | --- |"]
        lines += ["| %s | %s | %s |" % (_md_names(row["names"]), row["what"], _md(row["why"]))
                  for row in data["attention"]]
        lines.append("")
    if data["regraded"]:
        lines += ["## Regraded after a change to the checks", "",
                  "%s regraded in this run, %s (every change so far: regrade.csv)."
                  % (counted(data["regraded"], "submission"), counted(len(data["changes"]), "score") + " changed"), ""]
        if data["changes"]:
            lines += ["| student | before | now | parts | applied |", "| --- | --- | --- | --- | --- |"]
            lines += ["| %s | %g | %g | %s | %s |" % (_md(c["name"]), c["old"], c["new"], _md(c["parts"]),
                                                      _md(c["applied"])) for c in data["changes"]]
            lines.append("")
    lines += ["## Students", "", "| student | status | automatic total | report | note |",
              "| --- | --- | --- | --- | --- |"]
    for row in data["students"]:
        lines.append("| %s | %s | %s | %s | %s |" % (
            _md(row["name"]), row["status"], "-" if row["total"] is None else "%g / %g" % (row["total"], row["max_total"]),
            "[report.html](%s)" % row["report"] if row["report"] else "no report", _md(row["reason"])))
    lines += ["", "## Mistakes", ""]
    if data["mistakes"]:
        lines += ["| mistake | students | in | what their report says |", "| --- | --- | --- | --- |"]
        for m in data["mistakes"]:
            said = "<br>".join("%s: %s" % (_md_names(names), _md(words)) for words, names in m["wordings"])
            lines.append("| `%s` | %d of %d | %s | %s |" % (m["hint"], len(m["students"]), data["graded"],
                                                        _md(", ".join(m["parts"])), said))
    else:
        lines.append("No catalogued mistake.")
    if data["unnamed"]:
        lines += ["", "Failing checks that name no catalogued mistake (read these reports):", ""]
        lines += ["- %s: %s" % (title, _md_names(names)) for title, names in data["unnamed"]]
    if data["not_done"] or data["not_importable"] or data["nothing_to_grade"]:
        lines += ["", "## Not done", ""]
        lines += ["- %s: not implemented yet: %s" % (title, _md_names(names)) for title, names in data["not_done"]]
        lines += ["- %s: %s" % (_md_names([(name, link)]), _md("; ".join(why)))
                  for name, link, why in data["not_importable"]]
        lines += ["- %s: nothing to grade: %s" % (_md_names([(name, link)]), _md(why))
                  for name, link, why in data["nothing_to_grade"]]
    lines += ["", "## Parts (graded submissions)", "",
              "| part | points | mean | median | full marks | partial credit | 0 points |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in data["parts"]:
        if row["manual"]:
            lines.append("| %s | %g | graded by hand | | | | |" % (row["title"], row["points"]))
        elif not row["graded"]:
            lines.append("| %s | %g | not run | | | | |" % (row["title"], row["points"]))
        else:
            lines.append("| %s | %g | %s | %s | %d | %d | %d |" % (
                row["title"], row["points"], _fmt(row["mean"]), _fmt(row["median"]), row["full"], row["partial"],
                row["zero"]))
    totals = data["totals"]
    if totals:
        lines += ["", "Automatic total (of %g): mean %.2f, median %.2f, min %.2f, max %.2f."
                  % (data["max_total"], statistics.mean(totals), statistics.median(totals), min(totals), max(totals))]
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
td.num { text-align: right; white-space: nowrap; }
.bad { color: #b00; } .hint { color: #444; font-style: italic; } .wording + .wording { margin-top: 0.5em; } .count { font-weight: bold; white-space: nowrap; }
.note { color: #555; } code { background: #f0f0f0; padding: 0 2px; }
img { max-width: 100%; }
</style></head><body>
{%- macro names(list) %}{% for name, link in list %}{% if link %}<a class="report" href="{{ link }}">{{ name }}</a>
{%- else %}{{ name }}{% endif %}{% if not loop.last %}, {% endif %}{% endfor %}{% endmacro %}
<h1>Class summary</h1>
<p><strong>{{ graded_tally(d.n, d.graded, d.not_graded|length) }}.</strong>
 Files: <a href="grades.csv">grades.csv</a> (a column per part), <a href="lms_grades.csv">lms_grades.csv</a>
 (student_id,total for an LMS), <a href="summary.md">summary.md</a>.</p>
{% if d.interrupted %}<p class="bad"><strong>The run stopped early</strong> ({{ d.interrupted }}):
 run the same command again to grade the rest.</p>{% endif %}
{% if d.attention %}<h2 id="attention" class="bad">Needs your attention</h2>
<table><tr><th>student</th><th>what</th><th>why</th></tr>
{% for row in d.attention %}<tr><td>{{ names(row.names) }}</td><td>{{ row.what }}</td><td>{{ row.why }}
{%- if row.what == 'similar code' %} (<a href="similarity/similarity.html">similarity report</a>){% endif %}</td></tr>
{% endfor %}</table>{% endif %}
{% if d.regraded %}<h2 id="regraded">Regraded after a change to the checks</h2>
<p>{{ d.regraded }} submission{{ '' if d.regraded == 1 else 's' }} regraded in this run,
 {{ d.changes|length }} score{{ '' if d.changes|length == 1 else 's' }} changed
 (every change so far: <a href="regrade.csv">regrade.csv</a>).</p>
{% if d.changes %}<table><tr><th>student</th><th>before</th><th>now</th><th>parts</th><th>applied</th></tr>
{% for c in d.changes %}<tr class="regraded"><td>{% if c.report %}<a href="{{ c.report }}">{{ c.name }}</a>{% else %}{{ c.name }}{% endif %}</td>
<td class="num">{{ '%g' % c.old }}</td><td class="num">{{ '%g' % c.new }}</td><td>{{ c.parts }}</td>
<td>{{ c.applied }}</td></tr>
{% endfor %}</table>{% endif %}{% endif %}
<h2 id="students">Students</h2>
<table><tr><th>student</th><th>automatic total</th><th>status</th><th>report</th><th>note</th></tr>
{% for row in d.students %}<tr><td>{{ row.name }}</td>
<td class="num">{% if row.total is none %}-{% else %}{{ '%g' % row.total }} / {{ '%g' % row.max_total }}{% endif %}</td>
<td{% if row.status != 'graded' %} class="bad"{% endif %}>{{ row.status }}</td>
<td>{% if row.report %}<a class="report" href="{{ row.report }}">report</a>{% else %}no report{% endif %}</td>
<td class="note">{{ row.reason }}</td></tr>
{% endfor %}</table>
<h2 id="mistakes">Mistakes</h2>
{% if d.mistakes %}<p>Each catalogued mistake once, with the students whose reports name it and the hint as
 their report words it.</p>
<table><tr><th>mistake</th><th>students</th><th>shown in</th><th>what their report says</th></tr>
{% for m in d.mistakes %}<tr class="mistake" data-hint="{{ m.hint }}"><td><code>{{ m.hint }}</code></td>
<td class="count">{{ m.students|length }} of {{ d.graded }}</td><td>{{ m.parts|join(', ') }}</td>
<td>{% for words, who in m.wordings %}<div class="wording">{{ names(who) }}<br><span class="hint">{{ words | code }}</span></div>{% endfor %}</td></tr>
{% endfor %}</table>
{% else %}<p>No catalogued mistake.</p>{% endif %}
{% if d.unnamed %}<p>Failing checks that name no catalogued mistake (read these reports):</p>
<table><tr><th>part</th><th>students</th></tr>
{% for title, who in d.unnamed %}<tr><td>{{ title }}</td><td>{{ names(who) }}</td></tr>{% endfor %}</table>{% endif %}
{% if d.not_done or d.not_importable or d.nothing_to_grade %}<h2 id="not-done">Not done</h2>
<p>Work not handed in yet, not mistakes: parts not implemented, files that could not be imported or are
 missing, submissions with nothing to grade.</p>
{% if d.not_done %}<table><tr><th>part</th><th>not implemented yet</th><th>students</th></tr>
{% for title, who in d.not_done %}<tr><td>{{ title }}</td><td class="count">{{ who|length }} of {{ d.graded }}</td>
<td>{{ names(who) }}</td></tr>{% endfor %}</table>{% endif %}
{% if d.not_importable %}<table><tr><th>student</th><th>could not be imported</th></tr>
{% for name, link, why in d.not_importable %}<tr><td>{{ names([(name, link)]) }}</td>
<td>{% for line in why %}{{ line }}{% if not loop.last %}<br>{% endif %}{% endfor %}</td></tr>{% endfor %}</table>{% endif %}
{% if d.nothing_to_grade %}<table><tr><th>student</th><th>nothing to grade</th></tr>
{% for name, link, why in d.nothing_to_grade %}<tr><td>{{ names([(name, link)]) }}</td><td>{{ why }}</td></tr>{% endfor %}
</table>{% endif %}{% endif %}
<h2 id="scores">Scores</h2>
{% if images.totals %}<img alt="histogram of automatic totals" src="data:image/png;base64,{{ images.totals }}">{% endif %}
{% if images.parts %}<img alt="students with 0 points, partial credit and full marks per part" src="data:image/png;base64,{{ images.parts }}">{% endif %}
<table><tr><th>part</th><th>points</th><th>mean</th><th>median</th><th>full marks</th><th>partial credit</th><th>0 points</th></tr>
{% for row in d.parts %}<tr><td>{{ row.title }}</td><td class="num">{{ '%g' % row.points }}</td>
{% if row.manual %}<td colspan="5">graded by hand</td>{% elif not row.graded %}<td colspan="5">not run</td>
{% else %}<td class="num">{{ '%.2f' % row.mean }}</td><td class="num">{{ '%.2f' % row.median }}</td>
<td class="num">{{ row.full }}</td><td class="num">{{ row.partial }}</td><td class="num">{{ row.zero }}</td>{% endif %}</tr>
{% endfor %}</table>
{% if d.similarity is not none %}<h2 id="similarity">Similarity</h2>
<p>{{ counted(d.similarity.n_flagged, "pair") }} flagged at threshold {{ '%.2f' % d.similarity.threshold }}:
 <a href="similarity/similarity.html">similarity report</a> (side by side),
 <a href="similarity/similarity.csv">similarity.csv</a>.</p>{% endif %}
</body></html>
"""


def summary_html(data):
    images = plots(data["totals"], data["max_total"], data["distribution"]) if data["graded"] else {}
    environment = jinja2.Environment(autoescape=True)
    environment.filters["code"] = code_spans
    return environment.from_string(HTML).render(d=data, images=images, counted=counted,
                                                    graded_tally=graded_tally)


def write_class_outputs(outcome, task):
    parts = list(task.parts.values())
    out = outcome.out
    write_grades_csv(outcome, parts, out / "grades.csv")
    write_lms_csv(outcome, out / "lms_grades.csv")
    data = summary_data(outcome, parts, hint_catalogue(task))
    (out / "summary.md").write_text(summary_markdown(data))
    (out / "summary.html").write_text(summary_html(data))

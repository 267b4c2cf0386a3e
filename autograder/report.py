"""Writes the grade of one submission: results.json (Gradescope's schema),
report.md and report.html (with the curves long checks draw, e.g. a training's
loss, as an embedded PNG).

Student output appears only as text, escaped (HTML autoescape; Markdown code
blocks with a fence longer than any run of backticks in the text), with
terminal escape sequences and other control characters removed first.

What a student reads first: a part that is not implemented yet takes one line
(its checks and their logs are left out); a part that a `-k` run did not
select says "not run", never 0; the log of a run that raised says so; every
error measure used in the checks table is explained in one line.
"""
import base64
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field

import jinja2
import markupsafe

from uploads.wording import counted

from .isolation import ISOLATION_TEXT

MAX_LOG_CHARS = 6000

# Terminal escape sequences (CSI, OSC, two-byte ESC), C0/C1 control characters
# other than tab and newline, and the invisible Unicode marks that reorder or
# hide text: none of them belongs in a report.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]"            # CSI: colours, cursor moves
                      r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
                      r"|\x1b[@-_]?"                        # other ESC sequences, a lone ESC
                      r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
                      r"|[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

# One line each, for the error measures the checks table names (an assignment adds its own: Grade.metric_help).
METRIC_HELP = {
    "relative error": ("relative error: the largest elementwise |yours - expected| / (|yours| + |expected|) "
                       "(a floor of 1e-8 under the denominator); 1e-8 means about 8 matching digits"),
    "scaled error": ("scaled error: the largest |yours - expected| divided by the largest |expected|, an error "
                     "relative to the array's scale, used where values near zero make the elementwise "
                     "relative error meaningless (float32 results, gradients)"),
}
ALWAYS_EXPLAINED = ("relative error", "scaled error")

NOT_IMPLEMENTED_HINTS = ("not_implemented", "returns_none", "starter_value")
_NOT_IMPLEMENTED = re.compile(r"(?:training )?not implemented yet[^;]*")
_RAISED = re.compile(r"(?m)^(?:[A-Za-z_][\w]*\.)*([A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt))\b(?::|$)")


def clean(text):
    """Text safe to show: carriage returns become newlines, control characters go."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


@dataclass
class Grade:
    submission: str
    isolation: str
    rows: list                      # scoring.ScoredRow
    parts: list                     # scoring.PartSummary
    execution_time: float
    notes: list = field(default_factory=list)
    logs: list = field(default_factory=list)      # (title, stdout, stderr, status, seconds)
    curves: dict = field(default_factory=dict)
    metric_help: dict = field(default_factory=dict)  # the assignment's own measures: name -> one line
    import_failures: dict = field(default_factory=dict)  # graded file -> why it could not be imported
    curve_wording: dict = field(default_factory=dict)  # how the assignment names its curves (CURVE_WORDING)
    fingerprints: dict = field(default_factory=dict)   # "part::key" -> the check's content hash
    curves_png: bytes = None                           # the curves drawn (by an earlier grading of the same curves)
    versions: dict = field(default_factory=dict)       # {"kit": ..., "release": ...}

    @property
    def score(self):
        return round(sum(row.score for row in self.rows), 4)

    @property
    def max_score(self):
        return round(sum(p.points for p in self.parts if p.kind == "auto"), 4)

    @property
    def manual_points(self):
        return sum(p.points for p in self.parts if p.kind == "manual")


def _number(value):
    if value is None:
        return None
    return value if math.isfinite(value) else str(value)


def _code_names(names):
    return ", ".join("`%s`" % name for name in names)


def error_text(row):
    """'3.1e-05 (relative error, tolerance 1e-08)', or '-' for a check without a measured error."""
    if row.error is None:
        return "-"
    return "%.2g (%s, tolerance %.2g)" % (row.error, row.metric or "error", row.tolerance or 0)


def row_notes(row):
    """What follows a row's message: the upstream note and the tips (no points). A pass whose
    callees were replaced by correct ones says so in its message."""
    notes = []
    if row.upstream_note:
        notes.append(row.upstream_note)
    notes += ["tip (no points): " + tip for tip in row.tips]
    return [clean(note) for note in notes]


def row_output(row):
    text = ("PASS" if row.passed else "FAIL") + ": " + clean(row.message)
    for note in row_notes(row):
        text += "\n" + note[0].upper() + note[1:]
    if row.error is not None:
        text += "\nError: " + error_text(row)
    if row.shapes:
        text += "\nInput shapes: " + row.shapes
    return text


def results_json(grade):
    """Gradescope's results.json: automatic checks only."""
    tests = []
    for number, row in enumerate(grade.rows, 1):
        tests.append({
            "name": "%s: %s" % (row.part_title, row.check),
            "number": str(number),
            "score": round(row.score, 4),
            "max_score": round(row.max_score, 4),
            "status": "passed" if row.passed else "failed",
            "output": row_output(row),
            "visibility": "visible",
            "tags": [row.part],
            "extra_data": {"part": row.part, "check": row.key, "error": _number(row.error),
                           "tolerance": _number(row.tolerance), "metric": row.metric,
                           "seconds": round(row.seconds, 3), "hint": row.hint,
                           "carried_from": list(row.carried_from), "tips": list(row.tips),
                           "fingerprint": grade.fingerprints.get("%s::%s" % (row.part, row.key), ""),
                           "reused": row.reused},
        })
    output = "Isolation: %s.\n%s" % (ISOLATION_TEXT.get(grade.isolation, grade.isolation),
                                     "\n".join(clean(note) for note in grade.notes))
    manual = ", ".join("%s (%g points)" % (p.title, p.points) for p in grade.parts if p.kind == "manual")
    if manual:
        output += "\nGraded by hand later: " + manual
    return {"score": grade.score, "execution_time": round(grade.execution_time, 2),
            "output": output.strip(), "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests, "extra_data": {"isolation": grade.isolation, "max_score": grade.max_score,
                                           "import_failures": dict(grade.import_failures),
                                           "versions": dict(grade.versions)}}


# ---------------------------------------------------------------- what to show
@dataclass
class PartView:
    """One line of the parts table: how the part went, in a few words."""
    summary: object                    # scoring.PartSummary
    rows: list                         # its scored rows (none when a -k run skipped it)
    status: str                        # "graded", "not implemented", "not run" or "manual"
    note: str = ""

    @property
    def title(self):
        return self.summary.title

    @property
    def score_text(self):
        if self.status == "manual":
            return "manual (%g points)" % self.summary.points
        if self.status == "not run":
            return "not run"
        return "%.4g / %g" % (self.summary.score, self.summary.points)

    @property
    def checks_text(self):
        if self.status in ("manual", "not run"):
            return "-"
        return "%d / %d" % (self.summary.passed_checks, self.summary.total_checks)


def not_implemented(row):
    """Whether a failed row only says that the function is not written yet."""
    return not row.passed and says_not_implemented(row.hint, row.message)


def says_not_implemented(hint, message):
    """Whether a failing check's hint id (or, without one, its message) says only that the
    function is not written yet; the class summary reads results.json rows the same way."""
    if hint:
        return hint in NOT_IMPLEMENTED_HINTS
    return bool(_NOT_IMPLEMENTED.search(message))


def part_views(grade):
    titles = {part.id: part.title for part in grade.parts}
    views = []
    for part in grade.parts:
        rows = [row for row in grade.rows if row.part == part.id]
        if part.kind == "manual":
            views.append(PartView(part, rows, "manual", "graded by hand"))
        elif not rows:
            views.append(PartView(part, rows, "not run", "not selected in this run (-k)"))
        elif all(not_implemented(row) for row in rows):
            found = [m.group(0) for m in map(_NOT_IMPLEMENTED.search, (row.message for row in rows)) if m]
            note = found[0].strip() if found else "not implemented yet"
            upstream = [titles.get(dep, dep) for dep in part.upstream_failures]
            if upstream:
                named = _code_names(upstream[:2]) + (" and %d more" % (len(upstream) - 2) if len(upstream) > 2 else "")
                note += "; it uses %s, which fail%s too" % (named, "s" if len(upstream) == 1 else "")
            views.append(PartView(part, rows, "not implemented", clean(note)))
        else:
            failed = part.total_checks - part.passed_checks
            views.append(PartView(part, rows, "graded", "pass" if not failed else
                                  "%d of %s failed" % (failed, counted(part.total_checks, "check"))))
    return views


def log_status(status, stderr):
    """The heading's word for a run: a run that finished but raised says which exception."""
    if status == "ok":
        raised = list(dict.fromkeys(_RAISED.findall(stderr)))
        if raised:
            return "raised " + ", ".join(raised)
    return status


def _squeeze_repeats(text):
    """Consecutive identical paragraphs (the same traceback per case) shown once, with a count."""
    blocks = []
    for block in text.split("\n\n"):
        if blocks and block.strip() and blocks[-1][0].strip() == block.strip():
            blocks[-1][1] += 1
        else:
            blocks.append([block, 1])
    return "\n\n".join(block if count == 1 else "%s\n[the same %d more time%s]"
                        % (block.rstrip("\n"), count - 1, "" if count == 2 else "s")
                        for block, count in blocks)


def shown_logs(grade, views):
    """(title, stdout, stderr, heading status, seconds) of the runs worth showing: not those of
    parts that are not implemented or were not run, not runs without output."""
    hidden = [view.summary.id + ": " for view in views if view.status in ("not implemented", "not run")]
    logs = []
    for title, stdout, stderr, status, seconds in grade.logs:
        if not (stdout.strip() or stderr.strip()) or (title or "").startswith(tuple(hidden)):
            continue
        stdout, stderr = _squeeze_repeats(clean(stdout)), _squeeze_repeats(clean(stderr))
        logs.append((clean(title), _clip(stdout), _clip(stderr), log_status(status, stderr), seconds))
    return logs


def explained_metrics(rows, extra=None):
    used = {row.metric for row in rows if row.error is not None and row.metric}
    names = list(ALWAYS_EXPLAINED) + sorted(used - set(ALWAYS_EXPLAINED))
    known = {**METRIC_HELP, **(extra or {})}
    return [known.get(name, "%s: the check's own measure" % name) for name in names]


def headline_notes(grade, views):
    notes = [clean(note) for note in grade.notes]
    if any(view.status == "not run" for view in views):
        notes.append("only the checks selected with -k ran: parts marked \"not run\" were not graded, "
                     "and the score counts the checks that ran")
    return notes


def manual_text(grade):
    """The parts graded by hand, with their points, for the headline."""
    manual = ["%s (%g points)" % (p.title, p.points) for p in grade.parts if p.kind == "manual"]
    return "graded by hand later: " + ", ".join(manual) if manual else "no part is graded by hand"


def retitle(markdown, name):
    """The Markdown report with another name in its title (e.g. the student's upload, not a temporary path)."""
    first, _, others = markdown.partition("\n")
    return "# Grade report: %s\n%s" % (clean(name), others) if first.startswith("# Grade report:") else markdown


# How the reports name the curves long checks draw, unless the assignment says
# otherwise (grading.CURVE_WORDING); {name} is the curve's name.
CURVE_WORDING = {"heading": "Curves", "title": "{name}", "alt": "curves", "quantity": "value"}


def curve_words(grade):
    return {**CURVE_WORDING, **grade.curve_wording}


def curve_png(curves, words=CURVE_WORDING):
    """Each long check's value per iteration with its threshold, as PNG bytes (or None)."""
    if not curves:
        return None
    words = {**CURVE_WORDING, **words}
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 3.4), squeeze=False)
    for ax, (cell, curve) in zip(axes[0], curves.items()):
        history = curve["history"]
        if len(history):
            ax.plot(range(1, len(history) + 1), history, label="%s per iteration (your run)" % words["quantity"])
        ax.axhline(curve["threshold"], color="red", linestyle="--", label="threshold %g" % curve["threshold"])
        if curve.get("final_loss") is not None and math.isfinite(curve["final_loss"]):
            ax.scatter([max(len(history), 1)], [curve["final_loss"]], color="black", zorder=3,
                       label="recomputed by the grader: %.3g" % curve["final_loss"])
        ax.set_title(words["title"].format(name=cell))
        ax.set_xlabel("iteration")
        ax.set_ylabel(words["quantity"])
        if len(history) and all(math.isfinite(v) and v > 0 for v in history):
            ax.set_yscale("log")
        ax.legend(fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return buffer.getvalue()


def _fence(text):
    longest = max([len(run) for run in re.findall(r"`+", text)] + [2])
    return "`" * (longest + 1)


def _clip(text):
    """The head and the tail of a long text (the tail says how much the sandbox dropped)."""
    if len(text) <= MAX_LOG_CHARS:
        return text
    return text[:MAX_LOG_CHARS - 300] + "\n... [clipped] ...\n" + text[-300:]


def _cell(text):
    """Text for one Markdown table cell."""
    return clean(text).replace("|", "\\|").replace("\n", " ")


def report_markdown(grade):
    views = part_views(grade)
    lines = ["# Grade report: %s" % clean(grade.submission), "",
             "**Automatic score: %g / %g**  (%s)" % (grade.score, grade.max_score, manual_text(grade)), "",
             "Isolation: %s." % ISOLATION_TEXT.get(grade.isolation, grade.isolation), ""]
    for note in headline_notes(grade, views):
        lines.append("- Note: %s" % note.replace("\n", " "))
    lines += ["", "## Parts", "", "| part | score | checks passed | status |", "| --- | --- | --- | --- |"]
    for view in views:
        lines.append("| %s | %s | %s | %s |" % (_cell(view.title), view.score_text, view.checks_text,
                                                 _cell(view.note) if view.note else view.status))
    graded = [view for view in views if view.status == "graded"]
    collapsed = [view for view in views if view.status == "not implemented"]
    lines += ["", "## Checks", ""]
    if collapsed:
        lines += ["Parts not implemented yet (%d) have one line each in the table above; their checks "
                  "and logs are left out." % len(collapsed), ""]
    shown = [row for view in graded for row in view.rows]
    if shown:
        lines += ["| part | check | result | points | error | message |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for row in shown:
            message = "; ".join([clean(row.message)] + row_notes(row))
            lines.append("| %s | %s | %s | %.3g / %.3g | %s | %s |" % (
                _cell(row.part_title), _cell(row.check), "pass" if row.passed else "FAIL",
                row.score, row.max_score, error_text(row), _cell(message)))
        lines += ["", "How to read the errors:"] + ["- " + line for line in explained_metrics(shown, grade.metric_help)]
    else:
        lines.append("No other check to show.")
    if grade.curves:
        words = curve_words(grade)
        lines += ["", "## %s" % words["heading"], ""]
        for cell, curve in grade.curves.items():
            final = curve.get("final_loss")
            lines.append("- %s: %s recomputed by the grader %s (threshold %g); the HTML report plots the curve."
                         % (cell, words["quantity"], "n/a" if final is None else "%.4g" % final, curve["threshold"]))
    logs = shown_logs(grade, views)
    if logs:
        lines += ["", "## Output of your code", ""]
        for title, stdout, stderr, status, seconds in logs:
            text = (("stdout:\n" + stdout if stdout.strip() else "") +
                    ("\nstderr:\n" + stderr if stderr.strip() else "")).strip("\n")
            fence = _fence(text)
            lines += ["### %s (%s, %.1f s)" % (title, status, seconds), "", fence + "text", text, fence, ""]
    return "\n".join(lines) + "\n"


def code_spans(text):
    """HTML for a message: escaped, with Markdown `code` spans as <code>."""
    parts = re.split(r"(`[^`\n]+`)", clean(text))
    return markupsafe.Markup("").join(
        markupsafe.Markup("<code>%s</code>") % part[1:-1] if part.startswith("`") and part.endswith("`")
        and len(part) > 1 else markupsafe.escape(part) for part in parts)


HTML_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Grade report: {{ submission }}</title>
<style>
body { font-family: sans-serif; max-width: 1100px; margin: 1.5em auto; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 4px 7px; text-align: left; vertical-align: top; }
tr.pass td.result { color: #196619; font-weight: bold; } tr.fail td.result { color: #b00; font-weight: bold; }
tr.todo td { color: #666; }
.note { color: #555; font-style: italic; } pre { background: #f6f6f6; padding: 6px; overflow-x: auto; }
code { background: #f0f0f0; padding: 0 2px; }
</style></head><body>
<h1>Grade report: {{ submission }}</h1>
<p><strong>Automatic score: {{ '%g' % grade.score }} / {{ '%g' % grade.max_score }}</strong>
 ({{ manual }})</p>
<p>Isolation: {{ isolation }}.</p>
{% if notes %}<ul>{% for note in notes %}<li>{{ note | code }}</li>{% endfor %}</ul>{% endif %}
<h2>Parts</h2>
<table><tr><th>part</th><th>score</th><th>checks passed</th><th>status</th></tr>
{% for view in views %}<tr{% if view.status in ('not implemented', 'not run') %} class="todo"{% endif %}>
 <td>{{ view.title }}</td><td>{{ view.score_text }}</td><td>{{ view.checks_text }}</td>
 <td>{{ (view.note or view.status) | code }}</td>
</tr>{% endfor %}</table>
<h2>Checks</h2>
{% if collapsed %}<p class="note">Parts not implemented yet ({{ collapsed }}) have one line each in the table
above; their checks and logs are left out.</p>{% endif %}
{% if rows %}<table><tr><th>part</th><th>check</th><th>result</th><th>points</th><th>error</th><th>message</th></tr>
{% for row in rows %}<tr class="{{ 'pass' if row.passed else 'fail' }}"{% if row.hint %} data-hint="{{ row.hint }}"{% endif %}>
 <td>{{ row.part_title }}</td><td>{{ row.check }}</td><td class="result">{{ 'pass' if row.passed else 'FAIL' }}</td>
 <td>{{ '%.3g' % row.score }} / {{ '%.3g' % row.max_score }}</td>
 <td>{{ error_text(row) }}</td>
 <td>{{ row.message | code }}{% for note in row_notes(row) %}<br><span class="note">{{ note | code }}</span>{% endfor %}
 {% if row.shapes %}<br><span class="note">input shapes: {{ row.shapes }}</span>{% endif %}</td>
</tr>{% endfor %}</table>
<p>How to read the errors:</p><ul>{% for line in metrics %}<li>{{ line }}</li>{% endfor %}</ul>
{% else %}<p>No other check to show.</p>{% endif %}
{% if png %}<h2>{{ curve_words.heading }}</h2><img alt="{{ curve_words.alt }}" src="data:image/png;base64,{{ png }}">{% endif %}
{% if logs %}<h2>Output of your code</h2>
{% for title, stdout, stderr, status, seconds in logs %}<h3>{{ title }} ({{ status }}, {{ '%.1f' % seconds }} s)</h3>
{% if stdout.strip() %}<pre>{{ stdout }}</pre>{% endif %}{% if stderr.strip() %}<pre>{{ stderr }}</pre>{% endif %}{% endfor %}{% endif %}
</body></html>
"""


def curves_digest(curves, wording):
    """What a drawing of the curves depends on, as 16 hex digits."""
    data = {name: {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in curve.items()}
            for name, curve in curves.items()}
    return hashlib.sha256(json.dumps([data, wording], sort_keys=True, default=str).encode()).hexdigest()[:16]


def curves_figure(grade):
    """The PNG of the grade's curves (or None), drawn once: matplotlib is most of a short grading."""
    if grade.curves_png is None and grade.curves:
        grade.curves_png = curve_png(grade.curves, grade.curve_wording)
    return grade.curves_png


def report_html(grade):
    environment = jinja2.Environment(autoescape=True)
    environment.filters["code"] = code_spans
    views = part_views(grade)
    png = curves_figure(grade)
    rows = [row for view in views if view.status == "graded" for row in view.rows]
    return environment.from_string(HTML_TEMPLATE).render(
        grade=grade, submission=clean(grade.submission), views=views, rows=rows, curve_words=curve_words(grade),
        collapsed=sum(view.status == "not implemented" for view in views),
        notes=headline_notes(grade, views), metrics=explained_metrics(rows, grade.metric_help), error_text=error_text,
        manual=manual_text(grade),
        row_notes=row_notes, isolation=ISOLATION_TEXT.get(grade.isolation, grade.isolation),
        png=base64.b64encode(png).decode("ascii") if png else None, logs=shown_logs(grade, views))


def write_all(grade, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results_json(grade), indent=2))
    (out_dir / "report.md").write_text(report_markdown(grade))
    (out_dir / "report.html").write_text(report_html(grade))

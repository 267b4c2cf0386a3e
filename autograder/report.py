"""Writes the grade of one submission: results.json (Gradescope's schema),
report.md and report.html (with the overfit loss curves as an embedded PNG).

Student output appears only as text, escaped (HTML autoescape; Markdown code
blocks with a fence longer than any run of backticks in the text).
"""
import base64
import io
import json
import math
import re
from dataclasses import dataclass, field

import jinja2

from .isolation import ISOLATION_TEXT

MAX_LOG_CHARS = 6000


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


def row_output(row):
    text = ("PASS" if row.passed else "FAIL") + ": " + row.message
    if row.upstream_note:
        text += "\n" + row.upstream_note
    for tip in row.tips:
        text += "\nTip (no points): " + tip
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
                           "carried_from": list(row.carried_from), "tips": list(row.tips)},
        })
    output = "Isolation: %s.\n%s" % (ISOLATION_TEXT.get(grade.isolation, grade.isolation), "\n".join(grade.notes))
    manual = ", ".join("%s (%g points)" % (p.title, p.points) for p in grade.parts if p.kind == "manual")
    if manual:
        output += "\nGraded by hand later: " + manual
    return {"score": grade.score, "execution_time": round(grade.execution_time, 2),
            "output": output.strip(), "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests, "extra_data": {"isolation": grade.isolation, "max_score": grade.max_score}}


def loss_curve_png(curves):
    """The overfit runs' loss per iteration with the threshold, as PNG bytes (or None)."""
    if not curves:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 3.4), squeeze=False)
    for ax, (cell, curve) in zip(axes[0], curves.items()):
        history = curve["history"]
        if len(history):
            ax.plot(range(1, len(history) + 1), history, label="loss per iteration (your run)")
        ax.axhline(curve["threshold"], color="red", linestyle="--", label="threshold %g" % curve["threshold"])
        if curve.get("final_loss") is not None and math.isfinite(curve["final_loss"]):
            ax.scatter([max(len(history), 1)], [curve["final_loss"]], color="black", zorder=3,
                       label="recomputed by the grader: %.3g" % curve["final_loss"])
        ax.set_title("Overfitting the small set (%s)" % cell)
        ax.set_xlabel("iteration")
        ax.set_ylabel("loss")
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


def report_markdown(grade):
    lines = ["# Grade report: %s" % grade.submission, "",
             "**Automatic score: %g / %g**  (manual parts graded later: %g points)"
             % (grade.score, grade.max_score, grade.manual_points), "",
             "Isolation: %s." % ISOLATION_TEXT.get(grade.isolation, grade.isolation), ""]
    for note in grade.notes:
        lines.append("- Note: %s" % note)
    lines += ["", "## Parts", "", "| part | score | checks passed |", "| --- | --- | --- |"]
    for part in grade.parts:
        if part.kind == "manual":
            lines.append("| %s | manual (%g points) | graded by hand |" % (part.title, part.points))
        else:
            lines.append("| %s | %.4g / %g | %d / %d |" % (part.title, part.score, part.points,
                                                       part.passed_checks, part.total_checks))
    lines += ["", "## Checks", "",
              "| part | check | result | points | error (tolerance) | message |",
              "| --- | --- | --- | --- | --- | --- |"]
    for row in grade.rows:
        error = "-" if row.error is None else "%.2g (%.0e)" % (row.error, row.tolerance or 0)
        message = row.message + ("; " + row.upstream_note if row.upstream_note else "")
        message += "".join("; tip (no points): " + tip for tip in row.tips)
        message = message.replace("|", "\\|").replace("\n", " ")
        lines.append("| %s | %s | %s | %.3g / %.3g | %s | %s |" % (
            row.part_title, row.check, "pass" if row.passed else "FAIL", row.score, row.max_score,
            error, message))
    if grade.curves:
        lines += ["", "## Overfitting", ""]
        for cell, curve in grade.curves.items():
            final = curve.get("final_loss")
            lines.append("- %s: loss recomputed by the grader %s (threshold %g); the HTML report plots the curve."
                         % (cell, "n/a" if final is None else "%.4g" % final, curve["threshold"]))
    output_logs = [log for log in grade.logs if log[1].strip() or log[2].strip()]
    if output_logs:
        lines += ["", "## Output of your code", ""]
        for title, stdout, stderr, status, seconds in output_logs:
            text = _clip(("stdout:\n" + stdout if stdout.strip() else "") +
                         ("\nstderr:\n" + stderr if stderr.strip() else ""))
            fence = _fence(text)
            lines += ["### %s (%s, %.1f s)" % (title, status, seconds), "", fence + "text", text, fence, ""]
    return "\n".join(lines) + "\n"


HTML_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Grade report: {{ grade.submission }}</title>
<style>
body { font-family: sans-serif; max-width: 1100px; margin: 1.5em auto; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 4px 7px; text-align: left; vertical-align: top; }
tr.pass td.result { color: #196619; font-weight: bold; } tr.fail td.result { color: #b00; font-weight: bold; }
.note { color: #555; font-style: italic; } pre { background: #f6f6f6; padding: 6px; overflow-x: auto; }
</style></head><body>
<h1>Grade report: {{ grade.submission }}</h1>
<p><strong>Automatic score: {{ '%g' % grade.score }} / {{ '%g' % grade.max_score }}</strong>
 (manual parts graded later: {{ '%g' % grade.manual_points }} points)</p>
<p>Isolation: {{ isolation }}.</p>
{% if grade.notes %}<ul>{% for note in grade.notes %}<li>{{ note }}</li>{% endfor %}</ul>{% endif %}
<h2>Parts</h2>
<table><tr><th>part</th><th>score</th><th>checks passed</th></tr>
{% for part in grade.parts %}<tr>
 <td>{{ part.title }}</td>
 {% if part.kind == 'manual' %}<td>manual ({{ '%g' % part.points }} points)</td><td>graded by hand</td>
 {% else %}<td>{{ '%.4g' % part.score }} / {{ '%g' % part.points }}</td><td>{{ part.passed_checks }} / {{ part.total_checks }}</td>{% endif %}
</tr>{% endfor %}</table>
<h2>Checks</h2>
<table><tr><th>part</th><th>check</th><th>result</th><th>points</th><th>error (tolerance)</th><th>message</th></tr>
{% for row in grade.rows %}<tr class="{{ 'pass' if row.passed else 'fail' }}">
 <td>{{ row.part_title }}</td><td>{{ row.check }}</td><td class="result">{{ 'pass' if row.passed else 'FAIL' }}</td>
 <td>{{ '%.3g' % row.score }} / {{ '%.3g' % row.max_score }}</td>
 <td>{% if row.error is not none %}{{ '%.2g' % row.error }} ({{ '%.0e' % (row.tolerance or 0) }}){% else %}-{% endif %}</td>
 <td>{{ row.message }}{% if row.upstream_note %}<br><span class="note">{{ row.upstream_note }}</span>{% endif %}
 {% for tip in row.tips %}<br><span class="note">Tip (no points): {{ tip }}</span>{% endfor %}
 {% if row.shapes %}<br><span class="note">input shapes: {{ row.shapes }}</span>{% endif %}</td>
</tr>{% endfor %}</table>
{% if png %}<h2>Overfitting</h2><img alt="overfit loss curves" src="data:image/png;base64,{{ png }}">{% endif %}
{% if logs %}<h2>Output of your code</h2>
{% for title, stdout, stderr, status, seconds in logs %}<h3>{{ title }} ({{ status }}, {{ '%.1f' % seconds }} s)</h3>
{% if stdout %}<pre>{{ stdout }}</pre>{% endif %}{% if stderr %}<pre>{{ stderr }}</pre>{% endif %}{% endfor %}{% endif %}
</body></html>
"""


def report_html(grade):
    environment = jinja2.Environment(autoescape=True)
    png = loss_curve_png(grade.curves)
    logs = [(title, _clip(stdout), _clip(stderr), status, seconds)
            for title, stdout, stderr, status, seconds in grade.logs if stdout.strip() or stderr.strip()]
    return environment.from_string(HTML_TEMPLATE).render(
        grade=grade, isolation=ISOLATION_TEXT.get(grade.isolation, grade.isolation),
        png=base64.b64encode(png).decode("ascii") if png else None, logs=logs)


def write_all(grade, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results_json(grade), indent=2))
    (out_dir / "report.md").write_text(report_markdown(grade))
    (out_dir / "report.html").write_text(report_html(grade))

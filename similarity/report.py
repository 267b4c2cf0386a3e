"""The four outputs: similarity.csv, similarity.html, similarity.png, summary.md (and the console table)."""
import csv
from pathlib import Path

from jinja2 import Environment

from uploads.wording import counted

from .reading import read_submission
from .subject import current

HTML_MAX_PAIRS = 200          # flagged pairs shown side by side (all are in the CSV)
CONSOLE_ROWS = 20
CONTEXT = 2                   # unmatched lines shown around matched ones in a compared function
README = "similarity/README.md"


def format_regions(regions):
    """{'rnn_layers.py': [(45, 52), (60, 60)]} -> 'rnn_layers.py:45-52,60'."""
    parts = []
    for role in current().roles:
        spans = regions.get(role)
        if spans:
            parts.append("%s:%s" % (role, ",".join("%d-%d" % s if s[0] != s[1] else "%d" % s[0] for s in spans)))
    return "; ".join(parts)


def submission_note(sub):
    text = sub.status
    if sub.notes:
        text += ": " + "; ".join(sub.notes)
    return text


# -------------------------------------------------------------------- CSV
CSV_FIELDS = ["kind", "rank", "score", "flagged", "a", "b", "b_is_reference", "fraction_a", "fraction_b",
              "regions_a", "regions_b", "note"]


def write_csv(result, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for rank, pair in enumerate(result.pairs, 1):
            writer.writerow({"kind": "pair", "rank": rank, "score": "%.3f" % pair.score,
                             "flagged": "yes" if pair.flagged else "no", "a": pair.a, "b": pair.b,
                             "b_is_reference": "yes" if pair.reference else "no",
                             "fraction_a": "%.3f" % pair.fraction_a, "fraction_b": "%.3f" % pair.fraction_b,
                             "regions_a": format_regions(pair.regions_a),
                             "regions_b": format_regions(pair.regions_b), "note": ""})
        for sub in result.problems:
            writer.writerow({"kind": "submission", "a": sub.name, "note": submission_note(sub)})


# ---------------------------------------------------------------- console
def console_text(result):
    n_batch = sum(1 for s in result.submissions if not s.reference)
    n_ref = sum(1 for s in result.submissions if s.reference)
    lines = ["%s%s, %s compared; threshold %.2f: %s flagged"
             % (counted(n_batch, "submission"), " and " + counted(n_ref, "known solution") if n_ref else "",
                counted(result.n_pairs, "pair"), result.threshold, counted(result.n_flagged, "pair"))]
    big = [c for c in result.clusters if len(c) > 2]
    if big:
        lines.append("%s of 3 or more submissions linked by flagged pairs (largest: %d); see summary.md"
                     % (counted(len(big), "group"), len(big[0])))
    shown = result.flagged[:CONSOLE_ROWS] or result.pairs[:5]
    if shown:
        if not result.flagged:
            lines.append("highest pairs (none flagged):")
        width = max(len(p.a) for p in shown)
        lines.append("%5s  %-5s  %-*s  %-s" % ("score", "A / B", width, "A", "B (matched share of A / B)"))
        for pair in shown:
            lines.append("%5.2f  %s  %-*s  %s%s (%.0f%% / %.0f%%)" % (
                pair.score, "FLAG " if pair.flagged else "     ", width, pair.a, pair.b,
                " [known solution]" if pair.reference else "", 100 * pair.fraction_a, 100 * pair.fraction_b))
        if result.n_flagged > CONSOLE_ROWS:
            lines.append("... %s in similarity.csv" % counted(result.n_flagged - len(shown), "more flagged pair"))
    problems = result.problems
    if problems:
        lines.append("%s with problems:" % counted(len(problems), "submission"))
        for sub in problems[:CONSOLE_ROWS]:
            lines.append("  %s: %s" % (sub.name, submission_note(sub)))
        if len(problems) > CONSOLE_ROWS:
            lines.append("  ... %d more in similarity.csv" % (len(problems) - CONSOLE_ROWS))
    lines.append("reports in %s (similarity.html, similarity.csv, similarity.png, summary.md)" % result.out_dir)
    return "\n".join(lines)


# -------------------------------------------------------------------- PNG
def write_plot(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    bins = [i / 50 for i in range(51)]
    if len(result.scores):
        ax.hist(result.scores, bins=bins, color="#4a78b5", edgecolor="white", linewidth=0.4)
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.7)          # a bin holding one pair stays visible
    ax.axvline(result.threshold, color="#c0392b", linewidth=2)
    ax.text(result.threshold, 0.97, "  threshold %.2f: %d flagged" % (result.threshold, result.n_flagged),
            transform=ax.get_xaxis_transform(), color="#c0392b", va="top", fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_xlabel("score (larger share of either side's graded code matched, common code excluded)")
    ax.set_ylabel("pairs (log scale)")
    ax.set_title("Similarity of %s" % counted(len(result.scores), "pair"), fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# ------------------------------------------------------------------- HTML
HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Similarity report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table.list { border-collapse: collapse; margin: 0.5em 0 1.5em; }
table.list td, table.list th { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
.flag { color: #b00; font-weight: bold; }
.pair { border-top: 2px solid #888; margin-top: 2em; padding-top: 0.5em; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.side h4 { margin: 0.6em 0 0.2em; font-size: 0.95em; }
pre { margin: 0; font-size: 12px; line-height: 1.35; background: #fafafa; border: 1px solid #ddd;
      overflow-x: auto; }
pre span { display: block; white-space: pre; }
span.m { background: #ffd9a8; }
span.gap { color: #999; font-style: italic; }
span.n { color: #999; display: inline; }
.note { color: #555; font-size: 0.9em; }
</style></head><body>
<h1>Similarity report</h1>
<p>{{ counted(n_batch, "submission") }}{% if n_ref %} and {{ counted(n_ref, "known solution") }}{% endif %}, {{ counted(n_pairs, "pair") }} compared.
Threshold {{ "%.2f"|format(threshold) }}: <span class="flag">{{ counted(n_flagged, "pair") }} flagged</span>.
The score is the larger share of either side's graded code (canonical form, common code excluded) that
the other side also has. A flagged pair is a lead to read, not a verdict: see {{ readme }}.</p>
<img src="similarity.png" alt="distribution of the scores with the threshold marked">
<h2>Flagged pairs</h2>
{% if flagged %}<table class="list"><tr><th>#</th><th>score</th><th>A</th><th>B</th><th>share of A</th><th>share of B</th></tr>
{% for p in flagged %}<tr><td><a href="#pair{{ loop.index }}">{{ loop.index }}</a></td><td>{{ "%.2f"|format(p.score) }}</td>
<td>{{ p.a }}</td><td>{{ p.b }}{% if p.reference %} (known solution){% endif %}</td>
<td>{{ "%.0f"|format(100 * p.fraction_a) }}%</td><td>{{ "%.0f"|format(100 * p.fraction_b) }}%</td></tr>
{% endfor %}</table>{% else %}<p>None.</p>{% endif %}
{% if hidden %}<p class="note">Not shown here: {{ counted(hidden, "more flagged pair") }} (similarity.csv lists up to 5000; summary.md groups them).</p>{% endif %}
{% if problems %}<h2>Submissions with problems</h2><table class="list"><tr><th>submission</th><th>what</th></tr>
{% for s in problems %}<tr><td>{{ s.name }}</td><td>{{ s.note }}</td></tr>{% endfor %}</table>{% endif %}
{% for p in shown %}
<div class="pair" id="pair{{ loop.index }}">
<h3>{{ loop.index }}. {{ p.pair.a }} &harr; {{ p.pair.b }}{% if p.pair.reference %} (known solution){% endif %}:
score {{ "%.2f"|format(p.pair.score) }}</h3>
<p class="note">Highlighted: lines whose canonical form matches the other side (after renaming, reordering,
comment and docstring removal); grey gaps are lines not compared or far from any match.</p>
<div class="sides">
{% for side in p.sides %}<div class="side"><b>{{ side.name }}</b> &mdash; {{ "%.0f"|format(100 * side.fraction) }}% of its graded code matched
{% for f in side.files %}<h4>{{ f.role }}{% if f.where %} ({{ f.where }}){% endif %}</h4>
{% if f.lines %}<pre>{% for l in f.lines %}{% if l.gap %}<span class="gap">   ... {{ l.gap }}</span>{% else %}<span{% if l.m %} class="m"{% endif %}><span class="n">{{ "%4d"|format(l.no) }}  </span>{{ l.text }}</span>{% endif %}{% endfor %}</pre>
{% else %}<p class="note">{{ f.missing }}</p>{% endif %}{% endfor %}
</div>{% endfor %}
</div></div>
{% endfor %}
</body></html>
"""


def _file_lines(text, compared, matched):
    """Lines to show: matched ones and CONTEXT around them, gaps summarised."""
    lines = text.splitlines()
    show = set()
    for number in matched:
        show.update(range(number - CONTEXT, number + CONTEXT + 1))
    show &= set(range(1, len(lines) + 1))
    out, gap = [], 0
    for number in range(1, len(lines) + 1):
        if number in show:
            if gap:
                out.append({"gap": counted(gap, "line")})
                gap = 0
            out.append({"no": number, "text": lines[number - 1], "m": number in matched})
        else:
            gap += 1
    if gap and out:
        out.append({"gap": counted(gap, "line")})
    return out


def _side(sub, name, fraction, regions, texts):
    files = []
    for role in current().roles:
        matched = set()
        for first, last in regions.get(role, []):
            matched.update(range(first, last + 1))
        text = texts.get(role)
        where = sub.files.get(role, {}).get("where", "") if sub else ""
        if text is None:
            problem = (sub.files.get(role, {}).get("problem") if sub else None) or "not available"
            files.append({"role": role, "where": where, "lines": [], "missing": problem})
        elif not matched:
            files.append({"role": role, "where": where, "lines": [], "missing": "nothing matched in this file"})
        else:
            files.append({"role": role, "where": where, "lines": _file_lines(text, None, matched)})
    return {"name": name, "fraction": fraction, "files": files}


def _texts(sub):
    """Original source texts of a submission, read again (references keep theirs)."""
    if sub is None:
        return {}
    if sub.texts is not None:
        return sub.texts
    try:
        reread = read_submission(Path(sub.path), sub.name)
    except OSError:
        return {}
    return {role: f.text for role, f in reread.files.items() if f.text is not None}


def write_html(result, path):
    by_name = {s.name: s for s in result.submissions}
    flagged = result.flagged
    shown, cache = [], {}
    for pair in flagged[:HTML_MAX_PAIRS]:
        sides = []
        for name, fraction, regions in ((pair.a, pair.fraction_a, pair.regions_a),
                                        (pair.b, pair.fraction_b, pair.regions_b)):
            sub = by_name.get(name)
            if name not in cache:
                cache[name] = _texts(sub)
            sides.append(_side(sub, name, fraction, regions, cache[name]))
        shown.append({"pair": pair, "sides": sides})
    env = Environment(autoescape=True)
    html = env.from_string(HTML).render(
        n_batch=sum(1 for s in result.submissions if not s.reference),
        n_ref=sum(1 for s in result.submissions if s.reference), n_pairs=result.n_pairs,
        threshold=result.threshold, flagged=flagged[:HTML_MAX_PAIRS], shown=shown, readme=README,
        hidden=max(0, result.n_flagged - HTML_MAX_PAIRS), n_flagged=result.n_flagged,
        problems=[{"name": s.name, "note": submission_note(s)} for s in result.problems], counted=counted)
    Path(path).write_text(html, encoding="utf-8")


# ------------------------------------------------------------- summary.md
def write_summary(result, path):
    import numpy as np
    n_batch = sum(1 for s in result.submissions if not s.reference)
    n_ref = sum(1 for s in result.submissions if s.reference)
    references = {s.name for s in result.submissions if s.reference}
    scores = result.scores
    lines = ["# Similarity summary", "",
             "- %s%s; %s compared." % (counted(n_batch, "submission"),
                                       ", " + counted(n_ref, "known solution") if n_ref else "",
                                       counted(result.n_pairs, "pair")),
             "- Threshold %.2f: **%s flagged**, involving %s." % (
                 result.threshold, counted(result.n_flagged, "pair"),
                 counted(sum(1 for c in result.clusters for name in c if name not in references), "submission"))]
    if len(scores):
        lines.append("- Scores: median %.2f, 99th percentile %.2f, highest %.2f." % (
            float(np.median(scores)), float(np.percentile(scores, 99)), float(scores.max())))
    if result.not_listed:
        lines.append("- Not listed in similarity.csv (limit %d): %s over half the threshold."
                     % (len(result.pairs), counted(result.not_listed, "further pair")))
    lines.append("- %s with problems (each has a row in similarity.csv)." % counted(len(result.problems), "submission"))
    if result.clusters:
        lines += ["", "## Groups linked by flagged pairs", ""]
        for group in result.clusters[:20]:
            shown = ", ".join(_md(n) for n in group[:12]) + (", ..." if len(group) > 12 else "")
            lines.append("- %s: %s" % (counted(len(group), "submission"), shown))
        if len(result.clusters) > 20:
            lines.append("- ... %s" % counted(len(result.clusters) - 20, "more group"))
    lines += ["", "## Flagged pairs", ""]
    if result.flagged:
        lines += ["| score | A | B | share of A | share of B |", "| --- | --- | --- | --- | --- |"]
        for pair in result.flagged[:30]:
            lines.append("| %.2f | %s | %s%s | %.0f%% | %.0f%% |" % (
                pair.score, _md(pair.a), _md(pair.b), " (known solution)" if pair.reference else "",
                100 * pair.fraction_a, 100 * pair.fraction_b))
        if result.n_flagged > 30:
            lines += ["", "%d more in similarity.csv." % (result.n_flagged - 30)]
    else:
        lines.append("None.")
    if result.problems:
        lines += ["", "## Submissions with problems", ""]
        for sub in result.problems[:50]:
            lines.append("- %s: %s" % (_md(sub.name), _md(submission_note(sub))))
    lines += ["", "Read similarity.html for the matched lines side by side; %s says what the score means "
              "and which false positives to expect." % README, "",
              "Time: %s." % ", ".join("%s %.1f s" % (k[:-2].replace("_", " "), v)
                                      for k, v in result.timings.items() if k.endswith("_s")), ""]
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


TABLE_NAME = "similarity.csv"   # the ranked pairs; its presence marks a folder as a similarity report


def write_all(result):
    out = result.out_dir
    outputs = {"csv": out / TABLE_NAME, "html": out / "similarity.html",
               "png": out / "similarity.png", "summary": out / "summary.md"}
    write_csv(result, outputs["csv"])
    write_plot(result, outputs["png"])
    write_html(result, outputs["html"])
    write_summary(result, outputs["summary"])
    result.outputs = outputs
    return outputs

"""What students read in the reports (issue 11, points 6 and 7): plain words,
one line per part that is not implemented yet, "not run" for parts a -k run
skipped, logs that say when a run raised, no terminal escapes, code as code.

The unit tests build a report.Grade by hand (fast); the others grade real
submissions with `python -m autograder grade` in a subprocess."""
import json
import re

from autograder import report
from autograder.scoring import PartSummary, ScoredRow
from helpers import PARTS, RELEASE, run_grader


def row(part, check="the notebook's inputs", passed=False, message="wrong", **extra):
    fields = dict(part=part, part_title=part, check=check, passed=passed, score=1.0 if passed else 0.0,
                  max_score=1.0, message=message, error=None, tolerance=None, metric="relative error",
                  seconds=0.1, shapes="", key=check)
    fields.update(extra)
    return ScoredRow(**fields)


def summary(part, rows, points=1.0, upstream=()):
    return PartSummary(part, part, "auto", points, sum(r.score for r in rows),
                       sum(r.passed for r in rows), len(rows), list(upstream))


def grade_of(parts_rows, logs=(), notes=()):
    rows = [r for part_rows in parts_rows.values() for r in part_rows]
    parts = [summary(part, part_rows) for part, part_rows in parts_rows.items()]
    parts.append(PartSummary("question", "Inline question", "manual", 5.0, 0.0))
    return report.Grade("/tmp/autograder-xyz/submission", "rlimits-only", rows, parts, 1.0,
                        list(notes), list(logs))


NOT_IMPLEMENTED = "not implemented yet: it raises NotImplementedError"


def test_html_shows_markdown_code_spans_as_code():
    grade = grade_of({"a": [row("a", message="`rnn_step_forward` also fails: fix <it> first")]})
    html = report.report_html(grade)
    assert "<code>rnn_step_forward</code> also fails: fix &lt;it&gt; first" in html
    assert "`rnn_step_forward`" not in html


def test_parts_not_implemented_take_one_line_and_no_log():
    parts = {"a": [row("a", check=c, message=NOT_IMPLEMENTED, hint="not_implemented") for c in "xyz"],
             "b": [row("b", message="x (1, 1): " + NOT_IMPLEMENTED, hint="not_implemented"),
                   row("b", check="y", passed=True, message="fine")]}
    logs = [("a: x", "", 'File "rnn_layers.py"\nNotImplementedError: a', "ok", 0.1),
            ("b: the notebook's inputs", "", 'File "rnn_layers.py"\nNotImplementedError: b', "ok", 0.1)]
    markdown = report.report_markdown(grade_of(parts, logs))
    assert "| a | 0 / 1 | 0 / 3 | not implemented yet: it raises NotImplementedError |" in markdown
    assert not re.search(r"^\| a \| ", markdown.split("## Checks")[1], re.M)     # no check rows for a
    assert "### a: x" not in markdown
    # a part with one check passing is graded in full, its log kept
    assert "| b | the notebook's inputs | FAIL |" in markdown and "### b: the notebook's inputs" in markdown


def test_untouched_release_report_is_short(tmp_path):
    proc, results = run_grader(RELEASE, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    markdown = (tmp_path / "out" / "report.md").read_text()
    auto = [p for p in PARTS.values() if p.kind == "auto"]
    assert len(markdown.splitlines()) < 60, markdown
    for part in auto:
        assert len(re.findall(r"^\| %s \| 0 / %g \|.*not implemented yet" % (re.escape(part.title), part.points),
                              markdown, re.M)) == 1, part.title
    assert "## Output of your code" not in markdown
    # Gradescope still gets one test per check
    assert len(results["tests"]) == sum(len(p.checks) for p in auto)


def test_log_of_a_run_that_raised_says_so():
    logs = [("a: x", "", 'File "rnn_layers.py", line 3\n    raise ValueError("no")\nValueError: no', "ok", 0.5),
            ("a: y", "printed", "", "ok", 0.2),
            ("a: z", "", "", "timed out", 1.0)]
    grade = grade_of({"a": [row("a", check=c) for c in "xyz"]}, logs)
    markdown = report.report_markdown(grade)
    assert "### a: x (raised ValueError, 0.5 s)" in markdown
    assert "### a: y (ok, 0.2 s)" in markdown
    assert "(raised ValueError, 0.5 s)" in report.report_html(grade)


def test_repeated_tracebacks_are_shown_once_with_a_count():
    trace = 'File "rnn_layers.py", line 3\nNotImplementedError: x'
    logs = [("a: x", "", "\n\n".join([trace] * 5), "ok", 0.5)]
    markdown = report.report_markdown(grade_of({"a": [row("a", check="x")]}, logs))
    assert markdown.count("NotImplementedError: x") == 1 and "[the same 4 more times]" in markdown


def test_terminal_escapes_and_control_characters_never_reach_the_reports():
    nasty = "\x1b[31mred\x1b[0m \x1b]0;title\x07bell\x07 back\x08space \u202eevil\x00 \x9b1m"
    logs = [("a: x", nasty, nasty, "ok", 0.1)]
    grade = grade_of({"a": [row("a", check="x", message="raised ValueError: " + nasty)]}, logs,
                     notes=["note " + nasty])
    outputs = [report.report_markdown(grade), report.report_html(grade), json.dumps(report.results_json(grade))]
    for text in outputs:
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", text.replace("\\n", "")), repr(text[:200])
        assert "\\u001b" not in text
    assert "red bell back" in outputs[0] and "evil" in outputs[0]


def test_unselected_parts_say_not_run(tmp_path):
    proc, results = run_grader(RELEASE, tmp_path / "out", "-k", "rnn_step_forward")
    assert proc.returncode == 0, proc.stderr
    markdown = (tmp_path / "out" / "report.md").read_text()
    html = (tmp_path / "out" / "report.html").read_text()
    assert re.search(r"^\| rnn_forward \| not run \| - \|", markdown, re.M), markdown
    assert not re.search(r"^\| rnn_forward \| 0 / ", markdown, re.M)
    assert "<td>rnn_forward</td><td>not run</td>" in html
    assert "only the checks selected with -k ran" in markdown
    assert re.search(r"^\| rnn_step_forward \| 0 / 4 \|", markdown, re.M)


def test_tips_hints_and_functions_replaced_stay_visible():
    rows = [row("a", check="x", passed=True, message="right", tips=["float64 for float32 inputs"]),
            row("a", check="y", passed=True, message="correct once your step is replaced by a correct one",
                carried_from=("step",)),
            row("a", check="z", message="no tanh derivative", hint="tanh_derivative", error=0.5, tolerance=1e-8)]
    grade = grade_of({"a": rows})
    markdown, html = report.report_markdown(grade), report.report_html(grade)
    for text in (markdown, html):
        assert "tip (no points): float64 for float32 inputs" in text
        assert "correct once your step is replaced by a correct one" in text
    assert 'data-hint="tanh_derivative"' in html
    extra = [t["extra_data"] for t in report.results_json(grade)["tests"]]
    assert extra[0]["tips"] and extra[1]["carried_from"] == ["step"] and extra[2]["hint"] == "tanh_derivative"


def test_error_measures_are_explained_in_one_line_each():
    rows = [row("a", check="x", error=1e-3, tolerance=1e-8),
            row("a", check="y", error=1e-3, tolerance=1e-3, metric="scaled error")]
    grade = grade_of({"a": rows})
    for text in (report.report_markdown(grade), report.report_html(grade)):
        assert re.search(r"relative error: the largest elementwise \|yours - expected\| / \(", text)
        assert re.search(r"scaled error: the largest \|yours - expected\| divided by the largest \|expected\|", text)
        assert "0.001 (scaled error, tolerance 0.001)" in text


def test_students_never_read_seeds(graded_solutions):
    out = graded_solutions["out"]
    names = [t["name"] for t in graded_solutions["results"]["tests"]]
    assert "rnn_step_forward: the notebook's inputs" in names
    assert "CaptioningRNN.loss (rnn): the notebook's model: loss" in names
    for path in ("results.json", "report.md", "report.html"):
        assert "seeds" not in (out / path).read_text().lower(), path


def test_retitle_replaces_a_temporary_path():
    markdown = report.report_markdown(grade_of({"a": [row("a")]}))
    assert markdown.startswith("# Grade report: /tmp/autograder-xyz/submission\n")
    titled = report.retitle(markdown, "`my_upload.zip`")
    assert titled.startswith("# Grade report: `my_upload.zip`\n") and "/tmp/autograder" not in titled
    assert titled.split("\n", 1)[1] == markdown.split("\n", 1)[1]

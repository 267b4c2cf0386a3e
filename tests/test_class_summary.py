"""The class summary an instructor works from (summary.html): one row per student with a link
to the report, the catalogued mistakes grouped by mistake with the hint as each student's
report words it, what is not done yet on its own, per-part score distributions, and what
needs a look by hand; one self-contained file, opened in a real headless browser.

Real grader, real sandbox: one grade-batch run over a batch whose mistakes are known."""
import html
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from helpers import RELEASE, ROOT, SOLUTIONS, TASK, mutants, patching

SELECTION = "rnn_step or rnn_loss"
MODEL = "classifiers/rnn.py"
IGNORE = shutil.ignore_patterns("__pycache__", "*.ipynb")
# The mistake each student's code makes, as the grader catalogues it (None: none, or not one it names).
MISTAKES = {"bob": "tanh_derivative", "carol": "tanh_derivative", "dave": "lower_precision"}
HANK = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    import numpy as np
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    if x.shape[0] == 1:
        next_h = next_h * 0.5
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""


def make_batch(folder):
    shutil.copytree(SOLUTIONS, folder / "alice" / TASK.id, ignore=IGNORE)
    for student in ("bob", "carol"):
        mutants.make_mutant(SOLUTIONS, folder / student / TASK.id, "rnn_step_backward_no_tanh_derivative")
    mutants.make_mutant(SOLUTIONS, folder / "dave" / TASK.id, "rnn_step_forward_float16")
    # wrong only for a single example: a partial score, and a mistake the catalogue has no name for
    patching.apply_functions(SOLUTIONS, folder / "hank" / TASK.id, [(patching.LAYERS, "rnn_step_forward", HANK)])
    erin = shutil.copytree(SOLUTIONS, folder / "erin" / TASK.id, ignore=IGNORE)
    model = erin / TASK.package / MODEL
    model.write_text(model.read_text().replace("class CaptioningRNN", "class CaptioningRNN(", 1))
    shutil.copytree(RELEASE, folder / "gina" / TASK.id, ignore=IGNORE)    # nothing written yet
    (folder / "frank").mkdir()                                            # nothing to grade


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("class_summary")
    make_batch(root / "submitted")
    out = root / "graded"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(root / "submitted"),
                           "--out", str(out), "--jobs", "2", "-k", SELECTION, "--similarity", "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout + proc.stderr            # frank could not be graded
    return out


def section(page, heading_id):
    """The HTML of one <h2 id=...> section, up to the next <h2>."""
    return page.split('<h2 id="%s"' % heading_id, 1)[1].split("<h2", 1)[0]


def linked(fragment):
    """[(student, href)] of the report links in an HTML fragment."""
    return [(html.unescape(name), href) for href, name in re.findall(r'<a class="report" href="([^"]+)">([^<]+)</a>',
                                                                     fragment)]


def mistake_rows(page):
    """{hint id: HTML of its row} of the mistakes table."""
    return dict(re.findall(r'<tr class="mistake" data-hint="([^"]+)">(.*?)</tr>', section(page, "mistakes"), re.S))


def test_mistakes_are_grouped_by_mistake_with_the_students_and_their_reports_words(batch):
    page = (batch / "summary.html").read_text()
    rows = mistake_rows(page)
    expected = {}
    for student, hint in MISTAKES.items():
        expected.setdefault(hint, []).append(student)
    assert sorted(rows) == sorted(expected)              # not done and import failures are not mistakes
    for hint, students in expected.items():
        assert linked(rows[hint]) == [(s, "%s/report.html" % s) for s in sorted(students)], rows[hint]
        assert ">%d of 7</td>" % len(students) in rows[hint]       # 7 graded (frank was not)
    # the hint filled in, word for word as in dave's report, not the catalogue's template
    words = "next_h has dtype float16, a lower precision than the float64 inputs"
    assert words in html.unescape(rows["lower_precision"])
    assert words in (batch / "dave" / "report.html").read_text()
    assert "..." not in html.unescape(section(page, "mistakes"))
    assert "1 - tanh(a)**2" in html.unescape(rows["tanh_derivative"])
    # hank's failing checks (a single example; the backward's runs his forward) name no catalogued
    # mistake: listed apart, by part
    unnamed = section(page, "mistakes").split("name no catalogued mistake", 1)[1]
    by_part = re.findall(r"<tr><td>([^<]+)</td><td>(.*?)</td></tr>", unnamed, re.S)
    assert [(title, linked(cell)) for title, cell in by_part] == [
        (TASK.parts[part].title, [("hank", "hank/report.html")]) for part in ("rnn_step_forward", "rnn_step_backward")]


def test_not_done_is_its_own_section(batch):
    page = (batch / "summary.html").read_text()
    not_done = section(page, "not-done")
    parts = re.findall(r"<tr><td>([^<]+)</td><td class=\"count\">1 of 7</td>\s*<td>(.*?)</td></tr>", not_done, re.S)
    ran = [p.title for p in TASK.parts.values() if p.kind == "auto" and p.id.startswith(("rnn_step", "rnn_loss"))]
    assert [html.unescape(title) for title, _ in parts] == ran
    assert all(linked(cell) == [("gina", "gina/report.html")] for _, cell in parts)
    importable = not_done.split("<th>could not be imported</th>", 1)[1].split("</table>", 1)[0]
    assert linked(importable) == [("erin", "erin/report.html")] and "SyntaxError" in importable
    assert MODEL in importable
    nothing = not_done.split("<th>nothing to grade</th>", 1)[1]
    assert linked(nothing) == [("frank", "frank/report.html")]
    # the summary.md says the same in the same sections
    summary = (batch / "summary.md").read_text()
    mistakes = summary.split("## Mistakes", 1)[1].split("\n## ", 1)[0]
    assert "`tanh_derivative` | 2 of 7 |" in mistakes and "[bob](bob/report.html), [carol](carol/report.html)" in mistakes
    assert "gina" not in mistakes and "erin" not in mistakes
    assert "- rnn_step_forward: not implemented yet: [gina](gina/report.html)" in summary


def test_every_student_has_a_row_and_the_attention_list_names_who_needs_a_look(batch):
    page = (batch / "summary.html").read_text()
    students = section(page, "students")
    assert linked(students) == [("report", "%s/report.html" % s) for s in
                                ("alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank")]
    totals = dict(re.findall(r"<tr><td>(\w+)</td>\s*<td class=\"num\">([^<]+)</td>", students))
    for student in ("alice", "bob", "gina", "hank"):
        score = json.loads((batch / student / "results.json").read_text())["score"]
        assert totals[student] == "%g / %g" % (score, TASK.max_score())
    assert totals["frank"] == "-"
    assert float(totals["hank"].split()[0]) < float(totals["alice"].split()[0])     # partial credit
    attention = section(page, "attention")
    cells = re.findall(r"<tr><td>(.*?)</td><td>([^<]+)</td>", attention, re.S)
    what = {(tuple(name for name, _ in linked(who)), kind) for who, kind in cells}
    assert (("frank",), "unreadable") in what and (("erin",), "could not be imported") in what
    # the copy check: the same code handed in by several students, and a release it could not compare
    assert (("gina",), "not compared by the copy check") in what
    similar = [names for names, kind in what if kind == "similar code"]
    assert similar and {"alice", "bob", "carol"} <= set(similar[0])
    assert (("frank",), "not compared by the copy check") not in what      # said once, as unreadable
    rendered = re.sub(r"<[^>]+>", " ", page).lower()
    assert not re.search(r"\b(seeds?|mutants?|corpus)\b", rendered)


def test_a_student_without_a_report_has_a_row_and_no_link(batch, tmp_path):
    from autograder.batch import BatchOutcome
    from autograder.batch_status import NOT_GRADED, Status, read_status
    from autograder.class_summary import write_class_outputs
    out = tmp_path / "graded"
    shutil.copytree(batch, out)
    statuses = {p.name: read_status(p) for p in out.iterdir() if (p / "status.json").is_file()}
    results = {name: json.loads((out / name / "results.json").read_text())
               for name, status in statuses.items() if status.graded}
    statuses["ivan"] = Status(NOT_GRADED, "stopped by Ctrl-C (SIGINT) before it was graded")
    write_class_outputs(BatchOutcome(out, statuses, results, interrupted="stopped by Ctrl-C (SIGINT)"), TASK)
    page = (out / "summary.html").read_text()
    row = re.search(r"<tr><td>ivan</td>(.*?)</tr>", section(page, "students"), re.S).group(1)
    assert "not graded" in row and "no report" in row and "href" not in row and "before it was graded" in row
    assert "ivan" in section(page, "attention") and 'href="ivan/' not in page


# ---------------------------------------------------------------- in a browser
def browser_or_skip():
    """(chromium, chromedriver) paths; installs them (make browser-deps) when missing. Skips only
    where they cannot be installed; on CI a missing browser fails."""
    def found():
        return shutil.which("chromium"), shutil.which("chromedriver")
    if not all(found()):
        try:
            subprocess.run(["make", "-s", "browser-deps"], cwd=ROOT, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired):
            pass                    # no make, or no network: said below
    chromium, driver = found()
    try:
        import selenium  # noqa: F401
    except ImportError:
        chromium = None
    if not (chromium and driver):
        reason = ("chromium, chromedriver or selenium is missing and could not be installed (`make browser-deps` "
                  "installs Debian's chromium and chromium-driver as root; selenium is in the [test] extra)")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return chromium, driver


@pytest.fixture(scope="module")      # module scope: set up (or skipped) before the batch is graded
def browser():
    chromium, driver_path = browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def test_the_summary_in_a_browser_links_every_report_and_draws_its_figures(browser, batch, tmp_path):
    summary = (batch / "summary.html").as_uri()
    browser.get(summary)
    assert browser.title == "Class summary"
    # one self-contained file: no script, stylesheet or image from elsewhere
    assert browser.execute_script("return document.querySelectorAll('script, link, iframe').length") == 0
    sources = browser.execute_script("return [...document.images].map(i => i.getAttribute('src'))")
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    hrefs = browser.execute_script("return [...document.links].map(a => a.getAttribute('href'))")
    assert all(not re.match(r"[a-z]+:", href) and not href.startswith("/") for href in hrefs), hrefs
    # the figures drew: each image decoded, with a size on the page
    figures = browser.execute_script(
        "return [...document.images].map(i => [i.alt, i.complete, i.naturalWidth, i.getBoundingClientRect().height])")
    assert [alt for alt, *_ in figures] == ["histogram of automatic totals",
                                           "students with 0 points, partial credit and full marks per part"]
    assert all(complete and width > 0 and height > 0 for _, complete, width, height in figures), figures
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1200, height + 300)      # the window frame takes part of it
    assert browser.save_screenshot(str(tmp_path / "summary.png"))
    assert (tmp_path / "summary.png").stat().st_size > 10_000
    # every report link opens that student's report
    reports = browser.execute_script(
        "return [...document.querySelectorAll('a.report')].map(a => [a.textContent, a.getAttribute('href'), a.href])")
    assert {href for _, href, _ in reports} == {"%s/report.html" % s for s in
                                                 ("alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank")}
    for text, href, url in sorted(set(map(tuple, reports)), key=lambda r: r[1]):
        student = href.split("/")[0]
        browser.get(url)
        heading = browser.find_element("tag name", "h1").text
        assert browser.title.startswith("Grade report: ") and heading.startswith("Grade report: "), url
        assert heading.rstrip("/").endswith(student), (href, heading)
    # the other links are the batch's own files, all there
    for href in set(hrefs) - {href for _, href, _ in reports}:
        assert (batch / href).is_file(), href

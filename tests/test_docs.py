"""The docs a newcomer reads: a short README that links to docs/, and no doc that
cites a file the repo does not have."""
import re

from helpers import ROOT

DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md")),
        ROOT / "autograder" / "README.md", ROOT / "similarity" / "README.md"]
# A cited file: a `code span` naming a path that ends in a file type the repo holds.
CITED = re.compile(r"`([\w./-]+\.(?:md|py|json|ipynb|toml|csv|html|txt|sh|zip|png))`")
# Where a path in a doc may be relative to: the repo, the assignment folder (students'
# files), its grading folder, and the folder of the doc itself.
ASSIGNMENT = ROOT / "source" / "rnn_captioning"
ROOTS = [ROOT, ROOT / "docs", ASSIGNMENT, ASSIGNMENT / "grading", ASSIGNMENT / "grading" / "quality",
         ASSIGNMENT / "captioning", ASSIGNMENT / "captioning" / "classifiers"]
KIT_FOLDERS = ["autograder", "build_assignment", "nbgrader_bridge", "similarity", "uploads", "demo", "benchmarks",
               "tests", "source"]
MARKDOWN_NAME = re.compile(r"(?<![\w/.-])([\w/.-]+\.md)\b")
# Files a doc names on purpose that are not in the repo: what the commands write, the
# names files get at run time, and example uploads.
WRITTEN = {"results.json", "report.md", "report.html", "grades.csv", "lms_grades.csv", "summary.html",
           "summary.md", "status.json", "similarity.csv", "similarity.html", "similarity.png",
           "rnn_captioning_submission.zip", "gradebook.db", "out/gradescope.zip", "OUT.zip",
           "notebook_diagnoses.json", "rnn_captioning.zip", "setup.sh", "assignment_ops.py",
           "sitecustomize.py", "notes.txt", "carol.zip", "checks.json", "regrade.csv",
           "release.json", "latest_release.json"}


def test_the_readme_is_short_and_links_to_every_guide():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    for guide in sorted((ROOT / "docs").glob("*.md")):
        assert "docs/%s" % guide.name in readme, guide.name
    assert "CHANGELOG.md" in readme


def test_no_doc_cites_a_file_that_is_not_in_the_repo():
    missing = []
    for doc in DOCS:
        for cited in CITED.findall(doc.read_text()):
            name = cited.split("/")[-1]
            if cited in WRITTEN or name in WRITTEN:
                continue
            if not any((root / cited).exists() for root in ROOTS + [doc.parent]):
                missing.append("%s: %s" % (doc.relative_to(ROOT), cited))
    assert missing == []


def test_no_doc_or_code_names_a_markdown_file_that_is_not_in_the_repo():
    """Docs and code may point at a guide; the guide must be there (a newcomer follows the pointer)."""
    missing = []
    sources = DOCS + [path for folder in KIT_FOLDERS for path in sorted((ROOT / folder).rglob("*.py"))]
    for path in sources:
        for named in MARKDOWN_NAME.findall(path.read_text(errors="replace")):
            if named.split("/")[-1] in WRITTEN:
                continue
            if not any((root / named).exists() for root in ROOTS + [path.parent]):
                missing.append("%s: %s" % (path.relative_to(ROOT), named))
    assert missing == []

"""`make check-build` says how a fresh build differs from the committed copies
(issue 11, point 9): a short unified diff for text files, nbdime's cell-by-cell
diff for notebooks (without the outputs of the executed solutions notebooks,
whose last digits may change), and paths written out in full."""
import shutil

import nbformat
import pytest

import build_assignment.__main__ as build_main
import build_assignment.build as build_steps
from build_assignment.compare import MAX_DIFF_LINES
from helpers import ROOT, TASK

RELEASE_LABEL, SOLUTIONS_LABEL = "release/" + TASK.id, "solutions/" + TASK.id


@pytest.fixture
def built(tmp_path):
    """A copy of the committed release/ and solutions/, standing in for a fresh build, then changed."""
    root = tmp_path / "built"
    for folder in ("release", "solutions"):
        shutil.copytree(ROOT / folder / TASK.id, root / folder / TASK.id,
                        ignore=shutil.ignore_patterns("__pycache__", "datasets", ".ipynb_checkpoints"))
    release, solutions = root / "release" / TASK.id, root / "solutions" / TASK.id

    nb = nbformat.read(release / "RNN_Captioning.ipynb", as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("Image captioning", "Image CAPTIONING", 1)
    nbformat.write(nb, release / "RNN_Captioning.ipynb")

    selfcheck = release / "selfcheck.py"
    selfcheck.write_text(selfcheck.read_text().replace("Which parts of the assignment", "WHICH PARTS of the assignment"))
    (release / "extra.txt").write_text("new\n")
    (release / "rubric.json").write_text("\n".join("line %d" % i for i in range(200)))

    nb = nbformat.read(solutions / "LSTM_Captioning.ipynb", as_version=4)   # outputs only: not a difference
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                output.text += "one more line, as a last digit that changed\n"
    nbformat.write(nb, solutions / "LSTM_Captioning.ipynb")

    nb = nbformat.read(solutions / "RNN_Captioning.ipynb", as_version=4)
    code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.outputs)
    nb.cells[code].source += "\n# changed"
    nb.cells[code].outputs[0]["text"] = "something else\n" if "text" in nb.cells[code].outputs[0] else ""
    nbformat.write(nb, solutions / "RNN_Captioning.ipynb")
    return root, code


def test_report_shows_what_differs_and_how(built):
    root, code = built
    lines, count = build_steps.report_against(root, ROOT)
    text = "\n".join(lines)
    assert count == 5, text
    assert "release/differs" not in text
    # a notebook, cell by cell
    assert "%s/RNN_Captioning.ipynb differs (cell by cell):" % RELEASE_LABEL in lines
    assert "    ## modified /cells/0/source:" in lines
    assert any(line.startswith("    -  # Image captioning") for line in lines), text
    assert any(line.startswith("    +  # Image CAPTIONING") for line in lines), text
    # a text file, as a unified diff
    assert "%s/selfcheck.py differs:" % RELEASE_LABEL in lines
    assert any(line.startswith("    -") and "Which parts" in line for line in lines)
    assert any(line.startswith("    +") and "WHICH PARTS" in line for line in lines)
    assert "%s/extra.txt: only in the fresh build" % RELEASE_LABEL in lines
    # long diffs are cut short
    rubric = lines.index("%s/rubric.json differs:" % RELEASE_LABEL)
    assert lines[rubric + MAX_DIFF_LINES + 1].startswith("    ... ") and "more lines" in lines[rubric + MAX_DIFF_LINES + 1]
    # executed notebooks: sources compared, outputs never
    assert not any(line.startswith("%s/LSTM_Captioning" % SOLUTIONS_LABEL) for line in lines)
    assert "%s/RNN_Captioning.ipynb differs (cell by cell):" % SOLUTIONS_LABEL in lines
    solutions_part = text.split("%s/RNN_Captioning.ipynb" % SOLUTIONS_LABEL, 1)[1]
    assert "/cells/%d/source" % code in solutions_part and "outputs" not in solutions_part


def test_check_prints_the_report(built, monkeypatch, capsys):
    root, _ = built

    def fake_build(out_root, **kwargs):         # the real build is what test_build.py runs
        shutil.copytree(root, out_root, dirs_exist_ok=True)
    monkeypatch.setattr(build_steps, "build", fake_build)
    assert build_main.main(["--check"]) == 1
    printed = capsys.readouterr().out
    assert "%s/RNN_Captioning.ipynb differs (cell by cell):" % RELEASE_LABEL in printed
    assert printed.rstrip().endswith("5 files out of date: run `make build`")

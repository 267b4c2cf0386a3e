"""nbgrader preprocessors of the course, installed by nbgrader_config.py.

- `RedactHiddenTests`: a GenerateFeedback preprocessor. nbgrader restores the
  full test cells (hidden tests included) into the autograded notebook, and
  its feedback HTML shows them verbatim (nbgrader #917). This removes the
  hidden regions from the cell source and, for the cells that had one, every
  output line that repeats a hidden line, and every traceback (tracebacks
  quote the hidden source and the grader's own files), keeping only
  "ErrorName: message".
- `RenamePackage`: a GenerateAssignment preprocessor, first in the list: the
  course's package name (rubric.json "package") in every cell before nbgrader
  records the locked and test cells in the gradebook. autograde puts those
  recorded cells back into each submission, so they must import the package
  the students have, not the source's folder name.
- `RestoreMissingCells`: nbgrader's OverwriteCells with a working
  add_missing_cells, and without a warning for every test cell whose hidden
  tests it puts back (see its docstring).
"""
import nbformat
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells
from traitlets import List

from build_assignment.hidden_tests import remove_hidden_tests
from build_assignment.package_name import rename_in_text
from build_assignment.paths import package_names


class RenamePackage(NbGraderPreprocessor):
    """References to the source's package renamed to the course's package name."""

    def preprocess(self, nb, resources):
        old, new = package_names()
        if old != new:
            for cell in nb.cells:
                cell.source = rename_in_text(cell.source, old, new)
        return nb, resources


class RedactHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests, and what quotes them, from notebooks shown to students."""

    # nbconvert's HTML exporter configures display_data_priority for every
    # NbConvertBase; nbgrader's base preprocessor redeclares the trait without
    # config=True, so traitlets warned "Config option `display_data_priority`
    # not recognized by `RedactHiddenTests`" on every generate_feedback.
    # Declared configurable, as nbgrader's own GetGrades does.
    display_data_priority = List(['text/html', 'application/pdf', 'text/latex', 'image/svg+xml', 'image/png',
                                  'image/jpeg', 'text/plain'], config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code":
            return cell, resources
        before = cell.source.split("\n")
        if not remove_hidden_tests(cell):
            return cell, resources
        kept = set(cell.source.split("\n"))
        hidden = [line.strip() for line in before
                  if line not in kept and len(line.strip()) > 3]

        def clean(text):
            return "\n".join(l for l in text.split("\n") if not any(h in l for h in hidden))

        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.evalue = clean(output.evalue)
                output.traceback = ["%s: %s" % (output.ename, output.evalue)]
            elif output.output_type == "stream":
                output.text = clean(output.text)
            elif "data" in output:
                for mime, value in list(output.data.items()):
                    if isinstance(value, str):
                        output.data[mime] = clean(value)
            outputs.append(output)
        cell.outputs = outputs
        return cell, resources


class RestoreMissingCells(OverwriteCells):
    """OverwriteCells whose add_missing_cells works with locked cells in between,
    and that warns only about locked cells a student really changed.

    nbgrader 0.9.6 puts a deleted grade cell back after the source cell just
    before it, and crashes (KeyError, the whole submission fails) unless that
    cell is itself a grade or solution cell. Our notebooks have locked
    instruction cells before their test cells, so this version puts the cell
    back after the nearest earlier source cell still present in the submission
    (any cell with nbgrader metadata), or first if there is none.

    Checksums: the gradebook holds each test cell with its hidden tests, the
    release without them, so OverwriteCells logged "Attribute 'checksum' for
    cell ... has changed!" for every automatic part of every untouched
    notebook (16 per student) while putting the hidden tests back, as it
    should. A cell that is exactly the released version is restored quietly;
    any other change to a locked cell is still logged.
    """

    def released_version(self, grade_id):
        """The source of a cell as generate_assignment released it (hidden tests removed), or None."""
        try:
            source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return None
        cell = nbformat.from_dict({"cell_type": source_cell.cell_type, "source": source_cell.source,
                                   "metadata": {}})
        remove_hidden_tests(cell)
        return cell.source

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        self._as_released = grade_id is not None and cell.source == self.released_version(grade_id)
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and getattr(self, "_as_released", False):
            self.log.debug("Cell %s is as released: its hidden tests are put back", name)
            return
        super().report_change(name, attr, old, new)

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_ids = [cell.name for cell in source_nb.source_cells]
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}

        def present():
            return {cell.metadata["nbgrader"]["grade_id"]: i for i, cell in enumerate(nb.cells)
                    if cell.metadata.get("nbgrader", {}).get("grade_id")}

        for position, cell_id in enumerate(source_ids):
            if cell_id not in grade_cells or cell_id in present():
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", cell_id)
            cell = self.missing_cell_transform(source_nb.source_cells[position],
                                               grade_cells[cell_id].max_score,
                                               is_solution=cell_id in solution_ids)
            where = present()
            earlier = [where[i] for i in source_ids[:position] if i in where]
            nb.cells.insert(max(earlier) + 1 if earlier else 0, cell)
        return nb, resources

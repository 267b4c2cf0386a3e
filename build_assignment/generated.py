"""Files the assignment's hidden side computes for its public package (its
`grading.generated_files(assignment)` hook), written into the source package
before the release and the solutions are made from it. Like the points that
rubric.py copies into the notebooks, each is rewritten only when it differs,
so a build on an unchanged source changes nothing."""
from autograder.assignment import load

from .paths import SOURCE_DIR


def write_generated_files(source_dir=SOURCE_DIR):
    """Write every generated file that differs; returns their paths inside the package."""
    task = load(source_dir)
    hook = getattr(task.grading, "generated_files", None)
    if hook is None:
        return []
    changed = []
    for relative, text in sorted(hook(task).items()):
        path = task.reference_package_dir / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(relative)
    return changed

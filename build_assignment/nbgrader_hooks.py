"""The build's hook into nbgrader's generate_assignment, installed by nbgrader_config.py.

`install_release_stubs()`: after `generate_assignment` has copied the
assignment's non-notebook files into release/ (verbatim, solutions included:
nbgrader #1237), replace every .py solution region by its stub, exactly as
the build does. A bare `nbgrader generate_assignment rnn_captioning --force`
therefore writes the same release/ as `make build`, and never leaks a
solution. It refuses to finish if any marker is left in a copied file.
"""
import os

from autograder.assignment import load

from .manifest import stamp_release
from .package_name import rename_package
from .paths import MARKERS, SOURCE_DIR, is_excluded, package_names
from .pystubs import stub_python_source


def stub_release_tree(source, dest):
    """Stub the .py files copied from `source` into `dest`; check no marker is left."""
    for dirpath, dirnames, filenames in os.walk(dest):
        dirnames[:] = [d for d in dirnames if not is_excluded(d)]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if name.endswith(".ipynb"):
                continue
            rel = os.path.relpath(path, dest)
            if name.endswith(".py"):
                src = os.path.join(source, rel)
                with open(src if os.path.exists(src) else path, encoding="utf-8") as f:
                    text = f.read()
                stubbed = stub_python_source(text, rel)
                if stubbed != text or os.path.exists(src):
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(stubbed)
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except (UnicodeDecodeError, OSError):
                continue
            left = [m for m in MARKERS if m in text]
            if left:
                raise RuntimeError("release file %s still contains %s" % (rel, left))


def install_release_stubs():
    # nbgrader 0.9.6 has a public post_convert_hook, but run_post_convert_hook
    # logs its exceptions at info level and carries on, and the hook is not told
    # the destination folder: a release that still held a solution would go out
    # silently. So the copying step itself is extended here.
    from nbgrader.converters import GenerateAssignment
    if getattr(GenerateAssignment, "_kit_release_stubs", False):
        return
    copy_files = GenerateAssignment.init_assignment

    def init_assignment(self, assignment_id, student_id):
        copy_files(self, assignment_id, student_id)
        stub_release_tree(self._format_source(assignment_id, student_id),
                          self._format_dest(assignment_id, student_id))

    GenerateAssignment.init_assignment = init_assignment
    GenerateAssignment._kit_release_stubs = True


def package_rename_hook(release_root):
    """A GenerateAssignment.post_convert_hook: the course's package name in
    release/<assignment> (folder, notebooks, scripts), once nbgrader has
    written the notebooks, then the release's version (manifest.py), as the
    build does. Neither is a safety matter, so nbgrader's public hook (which
    only logs a failure) is enough here."""
    def hook(assignment, student, notebooks):
        rename_package(os.path.join(release_root, assignment), *package_names())
        stamp_release(os.path.join(release_root, assignment), load(SOURCE_DIR))
    return hook

"""The trusted reference implementation: the instructor's source package.

It is imported under a private module name, so it never clashes with a
student's package of the same name (in nbgrader's kernels both are loaded).
Only trusted code imports it; a child never sees it (bubblewrap does not
mount it, the fallback makes it unreadable).
"""
import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path


def private_name(kind, assignment_id, folder):
    """The private module name of one assignment's package of some kind ("reference",
    "grading", ...): it names the folder too, so two copies of one assignment (a
    course and a test's edited copy) never share modules in a process."""
    digest = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:8]
    return "_%s_%s_%s" % (kind, assignment_id, digest)


class Reference:
    """Accessors to the reference package's modules."""

    _by_dir = {}

    def __init__(self, package_dir, private_name):
        self.package_dir = package_dir
        self.name = private_name

    @classmethod
    def for_assignment(cls, assignment):
        return cls.of(assignment.reference_package_dir, assignment.id)

    @classmethod
    def of(cls, package_dir, assignment_id):
        """The reference package at package_dir, under its private name."""
        return cls.at(package_dir, private_name("reference", assignment_id, package_dir))

    @classmethod
    def at(cls, package_dir, private_name):
        key = (str(package_dir), private_name)
        if key not in cls._by_dir:
            cls._by_dir[key] = cls(package_dir, private_name)
        return cls._by_dir[key]

    def _package(self):
        if self.name not in sys.modules:
            init = self.package_dir / "__init__.py"
            spec = importlib.util.spec_from_file_location(self.name, init,
                                                          submodule_search_locations=[str(self.package_dir)])
            package = importlib.util.module_from_spec(spec)
            sys.modules[self.name] = package
            spec.loader.exec_module(package)
        return sys.modules[self.name]

    def module(self, dotted):
        """A module of the reference package, e.g. module("classifiers.rnn")."""
        self._package()
        return importlib.import_module("%s.%s" % (self.name, dotted))

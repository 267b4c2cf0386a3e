"""The trusted reference implementation: the instructor's source package.

It is imported under a private module name, so it never clashes with a
student's package of the same name (in nbgrader's kernels both are loaded).
Only trusted code imports it; a child never sees it (bubblewrap does not
mount it, the fallback makes it unreadable).
"""
import importlib
import importlib.util
import sys


class Reference:
    """Accessors to the reference package's modules."""

    _by_dir = {}

    def __init__(self, package_dir, private_name):
        self.package_dir = package_dir
        self.name = private_name

    @classmethod
    def for_assignment(cls, assignment):
        return cls.at(assignment.reference_package_dir, "_reference_%s" % assignment.id)

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

"""pytest options for running the hidden checks as pytest tests (pytest_hidden.py)."""


def pytest_addoption(parser):
    group = parser.getgroup("hidden checks")
    group.addoption("--submission", help="the submission to grade (folder, zip or nbgrader folder)")
    group.addoption("--isolation", default=None, choices=["bubblewrap", "unprivileged-user", "rlimits-only"],
                    help="force an isolation level (default: the best available)")

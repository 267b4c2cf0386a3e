"""Wording every command of the kit shares: counts with the right plural, and the
command's own name as installed.

It lives here, in the lowest shared package (it imports nothing of the kit), so
that the grader, the copy check, the nbgrader bridge and the build can all use
it without importing one another.
"""


def counted(number, noun, plural=None):
    """'1 pair', '2 pairs', '0 pairs'; `plural` for nouns that do not just take an s
    ('1 entry', '3 entries')."""
    return "%d %s" % (number, noun if number == 1 else plural or noun + "s")


def installed_command(entry_point, fallback):
    """The name pyproject.toml's [project.scripts] gives the command running `entry_point`
    ('package.module:function'), so that usage lines name what users type even under
    `python -m package`; `fallback` when the kit is not installed (copied into a
    Gradescope image, say)."""
    from importlib.metadata import entry_points     # here: only a command's parser needs it
    names = sorted(script.name for script in entry_points(group="console_scripts") if script.value == entry_point)
    return names[0] if names else fallback

"""The assignment's public package (captioning/), as the trusted side imports it.

The same private module names as the engine's reference (autograder.reference),
so a module is imported once whichever side asks first.
"""
import json
from pathlib import Path

from autograder.reference import Reference

from .settings import SOURCE_PACKAGE

_FOLDER = Path(__file__).resolve().parents[1]


def public_module(dotted):
    """A module of the public package, e.g. public_module("check_data")."""
    assignment_id = json.loads((_FOLDER / "rubric.json").read_text())["assignment"]
    return Reference.of(_FOLDER / SOURCE_PACKAGE, assignment_id).module(dotted)

"""Where the kit's trusted material lives. Every other module asks here."""
import os
from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "rnn_captioning"
# The trusted reference: the instructor's source (its solution markers are
# comments, so it runs as the full solution). Never shown to a child.
REFERENCE_DIR = KIT_ROOT / "source" / ASSIGNMENT
RUBRIC_PATH = REFERENCE_DIR / "rubric.json"
DATA_DIR = Path(os.environ.get("AUTOGRADER_DATA_DIR", KIT_ROOT / "datasets" / "synthetic_captioning"))
RELEASE_DIR = KIT_ROOT / "release" / ASSIGNMENT
SOLUTIONS_DIR = KIT_ROOT / "solutions" / ASSIGNMENT
# Folders a student process must never read (used by the non-bubblewrap fallback).
SECRET_DIRS = [KIT_ROOT / name for name in ("source", "solutions", "autograder", "tests", ".git")]

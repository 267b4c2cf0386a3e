"""Where the kit's trusted material lives. Every other module asks here
(the assignment's own folders come from assignment.py)."""
from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parents[1]
# Folders a student process must never read (used by the non-bubblewrap fallback).
SECRET_DIRS = [KIT_ROOT / name for name in ("source", "solutions", "autograder", "tests", ".git")]

"""Similarity detection for the graded files of a batch of submissions.

    from similarity import run_similarity
    result = run_similarity("submitted/", "out/similarity", reference="known_solutions/")

Pipeline, one module per step: reading (find the two graded files in folders
and zips) -> extract (cut them down to the graded bodies and the student's own
helpers) -> normalise (canonical text: renaming, ordering, equivalent
spellings) -> fingerprints (copydetect's winnowing and overlap) -> report.
run.py ties them together. Student code is parsed, never imported or run.
"""
from .run import THRESHOLD, Pair, Prepared, Result, run_similarity

__all__ = ["run_similarity", "Result", "Pair", "Prepared", "THRESHOLD"]

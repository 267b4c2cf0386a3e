"""The trusted reference implementation, imported from the instructor's source.

Only the grading process imports this; a child never sees it (bubblewrap does
not mount it, the fallback makes it unreadable).
"""
import importlib
import sys

from .paths import REFERENCE_DIR


def _package():
    if str(REFERENCE_DIR) not in sys.path:
        sys.path.insert(0, str(REFERENCE_DIR))
    return importlib.import_module("captioning")


def layers():
    _package()
    return importlib.import_module("captioning.rnn_layers")


def model_class():
    _package()
    return importlib.import_module("captioning.classifiers.rnn").CaptioningRNN


def public_checks():
    _package()
    return importlib.import_module("captioning.public_checks")


def coco_utils():
    _package()
    return importlib.import_module("captioning.coco_utils")

"""The assignment's settings the engine reads: its package, its child operations, its data."""
from pathlib import Path

# The reference package's folder in source/<id>/ (release/ and solutions/ use rubric.json's "package").
SOURCE_PACKAGE = "captioning"
# Runs inside the sandbox as assignment_ops.py (nothing secret in it).
CHILD_OPS = Path(__file__).with_name("child_ops.py")
# The dataset the overfit checks read (datasets/<DATA_NAME>), and its files the grader needs.
DATA_NAME = "synthetic_captioning"
# The environment variable the notebooks read the data folder from.
DATA_ENVIRONMENT = "CAPTIONING_DATA"
DATA_FILES = ("coco2014_captions.h5", "coco2014_vocab.json", "train2014_urls.txt", "val2014_urls.txt",
              "train2014_vgg16_fc7_pca.h5", "val2014_vgg16_fc7_pca.h5")
# What the grading image installs for this assignment beyond the engine's own
# dependencies (pyproject.toml gives their versions).
RUNTIME_DEPENDENCIES = ("h5py",)
# The measures of this assignment's checks, one line each in the reports' "How to read the errors".
METRIC_HELP = {
    "training loss": ("training loss: the loss of your trained parameters on the whole small training set, "
                      "recomputed by the grader with the reference model"),
    "rows that differ": ("rows that differ: sampled captions that differ from greedy decoding, each compared up "
                         "to the expected first <END>"),
}
# Child operations nbgrader's in-kernel checks run once per kernel, by the request
# field that tells their runs apart: one training per cell type.
IN_KERNEL_ONCE = {"overfit": "cell_type"}
# How the reports name the curves the trainings draw ({name}: the curve's name).
CURVE_WORDING = {"heading": "Overfitting", "title": "Overfitting the small set ({name})",
                 "alt": "overfit loss curves", "quantity": "loss"}
# How autograder.calibrate reads each metric's margin (the rest are error bounds).
METRIC_KINDS = {"training loss": "threshold", "rows that differ": "exact"}

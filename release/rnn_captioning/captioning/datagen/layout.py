"""The CS231n captioning file layout: writing it, checking it, swapping it into place.

Both the synthetic generator and the COCO downloader build a dataset in a
temporary folder next to its final place, check it with `check_dataset`, and
only then call `swap_into_place`. A failure at any step leaves the previous
dataset (or nothing) behind, never a half-written one.
"""
import json
import os
import shutil
import tempfile

import h5py
import numpy as np

CAPTIONS_FILE = "coco2014_captions.h5"
VOCAB_FILE = "coco2014_vocab.json"
SPECIAL_TOKENS = ["<NULL>", "<START>", "<END>", "<UNK>"]
CAPTION_LENGTH = 17


def features_file(split, pca):
    return "%s2014_vgg16_fc7%s.h5" % (split, "_pca" if pca else "")


def urls_file(split):
    return "%s2014_urls.txt" % split


def required_files():
    """Names of every file a captioning dataset folder must hold."""
    names = [CAPTIONS_FILE, VOCAB_FILE]
    for split in ("train", "val"):
        names += [features_file(split, False), features_file(split, True), urls_file(split)]
    return names


def has_dataset_files(folder):
    """True when `folder` holds every required file (their contents are not checked)."""
    return all(os.path.isfile(os.path.join(folder, name)) for name in required_files())


class DatasetError(Exception):
    """A dataset folder is missing files or holds data of the wrong shape."""


# ------------------------------------------------------------------ writing

def write_h5(path, arrays):
    """Write named arrays to an HDF5 file, with no timestamps (same bytes each run)."""
    with h5py.File(path, "w", libver="earliest") as f:
        for name in sorted(arrays):
            f.create_dataset(name, data=arrays[name], track_times=False)


def write_vocab(path, idx_to_word):
    word_to_idx = {word: i for i, word in enumerate(idx_to_word)}
    with open(path, "w") as f:
        json.dump({"idx_to_word": list(idx_to_word), "word_to_idx": word_to_idx}, f)


def write_lines(path, lines):
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))


# ----------------------------------------------------------------- checking

def check_dataset(folder):
    """Raise DatasetError unless `folder` is a well-formed captioning dataset.

    Checks file names, array names, dtypes and shapes, that the vocabulary
    starts with the special tokens, and that captions and image indices stay
    in range. Reads only the caption arrays, not the (large) features.
    """
    missing = [name for name in required_files() if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise DatasetError("missing files: %s" % ", ".join(missing))
    try:
        vocab = _read_vocab(folder)
        for split in ("train", "val"):
            _check_split(folder, split, len(vocab))
    except (OSError, ValueError, KeyError) as error:
        raise DatasetError("unreadable file: %s" % error) from error


def _read_vocab(folder):
    with open(os.path.join(folder, VOCAB_FILE)) as f:
        vocab = json.load(f)
    idx_to_word = vocab["idx_to_word"]
    if idx_to_word[:len(SPECIAL_TOKENS)] != SPECIAL_TOKENS:
        raise DatasetError("vocabulary must start with %s" % SPECIAL_TOKENS)
    if any(vocab["word_to_idx"].get(word) != i for i, word in enumerate(idx_to_word)):
        raise DatasetError("word_to_idx and idx_to_word disagree")
    return idx_to_word


def _check_split(folder, split, vocab_size):
    with h5py.File(os.path.join(folder, CAPTIONS_FILE), "r") as f:
        captions = np.asarray(f["%s_captions" % split])
        image_idxs = np.asarray(f["%s_image_idxs" % split])
    with open(os.path.join(folder, urls_file(split))) as f:
        num_images = sum(1 for line in f if line.strip())
    _expect(captions.ndim == 2 and captions.shape[1] == CAPTION_LENGTH,
            "%s_captions has shape %s, expected (M, %d)" % (split, captions.shape, CAPTION_LENGTH))
    _expect(image_idxs.shape == captions.shape[:1],
            "%s_image_idxs has shape %s, expected (%d,)" % (split, image_idxs.shape, len(captions)))
    _expect(np.issubdtype(captions.dtype, np.integer) and np.issubdtype(image_idxs.dtype, np.integer),
            "%s captions and image indices must be integers" % split)
    _expect(captions.size == 0 or (captions.min() >= 0 and captions.max() < vocab_size),
            "%s_captions holds word indices outside the vocabulary" % split)
    _expect(image_idxs.size == 0 or (image_idxs.min() >= 0 and image_idxs.max() < num_images),
            "%s_image_idxs points past the %d images in %s" % (split, num_images, urls_file(split)))
    for pca, dim in ((False, 4096), (True, 512)):
        name = features_file(split, pca)
        with h5py.File(os.path.join(folder, name), "r") as f:
            shape = f["features"].shape
        _expect(shape == (num_images, dim),
                "%s holds features of shape %s, expected (%d, %d)" % (name, shape, num_images, dim))


def _expect(condition, message):
    if not condition:
        raise DatasetError(message)


# ----------------------------------------------------------------- swapping

def make_staging_dir(destination):
    """A fresh empty folder beside `destination` (same disk, so renames are atomic)."""
    parent = os.path.dirname(os.path.abspath(destination))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".%s.partial-" % os.path.basename(destination), dir=parent)
    os.chmod(staging, 0o755)   # mkdtemp makes it private; the dataset should be readable
    return staging


def swap_into_place(staging, destination):
    """Replace `destination` by the finished `staging` folder.

    Each rename is atomic; between the two, the old data sits under a
    temporary name and is restored if the second rename fails.
    """
    old = None
    if os.path.exists(destination):
        old = tempfile.mkdtemp(prefix=".%s.old-" % os.path.basename(destination),
                               dir=os.path.dirname(os.path.abspath(destination)))
        os.rmdir(old)
        os.rename(destination, old)
    try:
        os.rename(staging, destination)
    except OSError:
        if old is not None:
            os.rename(old, destination)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

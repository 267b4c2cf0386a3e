"""Provided: loading the captioning data and handling encoded captions.

Where the data is found (the first rule that applies wins):
1. `load_coco_data(base_dir=...)`: that folder.
2. The environment variable CAPTIONING_DATA: either a folder, or one of the
   dataset names "synthetic" or "coco" (looked up as in rule 3).
3. Otherwise the synthetic dataset, looked up as `datasets/synthetic_captioning`
   in the assignment folder (the one holding this `captioning` package) and
   then in each folder above it; the first one that holds the files is used.
"""
import json
import os

import h5py
import numpy as np

DATA_ENV_VAR = "CAPTIONING_DATA"
DATASET_FOLDERS = {"synthetic": "synthetic_captioning", "coco": "coco_captioning"}
DEFAULT_DATASET = "synthetic"
ASSIGNMENT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GET_DATA_COMMAND = "python get_datasets.py"


def load_coco_data(base_dir=None, max_train=None, pca_features=True):
    """Load captions, image features, vocabulary and image URLs into a dict.

    Inputs:
    - base_dir: folder holding the data files; None finds it (see the module doc)
    - max_train: if given, keep only this many training captions, drawn at
      random (with replacement) with np.random, so np.random.seed makes it
      reproducible
    - pca_features: 512-d PCA features if True, else the 4096-d fc7 features

    Returns a dict with train_captions, val_captions (int32, (M, 17)),
    train_image_idxs, val_image_idxs (int32, (M,)), train_features,
    val_features (float32, (K, 512) or (K, 4096)), idx_to_word (list),
    word_to_idx (dict), train_urls and val_urls (str arrays, (K,)). The
    synthetic dataset's URLs are image paths relative to its folder, which
    image_from_url understands.
    """
    base_dir = find_data_dir() if base_dir is None else str(base_dir)
    data = {}
    with h5py.File(os.path.join(base_dir, "coco2014_captions.h5"), "r") as f:
        for key, value in f.items():
            data[key] = np.asarray(value, dtype=np.int32)

    suffix = "_pca" if pca_features else ""
    for split in ("train", "val"):
        path = os.path.join(base_dir, "%s2014_vgg16_fc7%s.h5" % (split, suffix))
        with h5py.File(path, "r") as f:
            data["%s_features" % split] = np.asarray(f["features"], dtype=np.float32)

    with open(os.path.join(base_dir, "coco2014_vocab.json")) as f:
        vocab = json.load(f)
    data["idx_to_word"] = vocab["idx_to_word"]
    data["word_to_idx"] = vocab["word_to_idx"]

    for split in ("train", "val"):
        with open(os.path.join(base_dir, "%s2014_urls.txt" % split)) as f:
            data["%s_urls" % split] = np.asarray([line.strip() for line in f if line.strip()])
    _remember_data_dir(base_dir)

    if max_train is not None:
        num_train = data["train_captions"].shape[0]
        keep = np.random.randint(num_train, size=max_train)
        data["train_captions"] = data["train_captions"][keep]
        data["train_image_idxs"] = data["train_image_idxs"][keep]
    return data


# Folders load_coco_data has read, most recent first. The synthetic dataset's
# URLs are image paths relative to its folder (so that they read the same on
# every machine); image_from_url looks them up here.
_data_dirs_read = []


def _remember_data_dir(base_dir):
    folder = os.path.abspath(base_dir)
    if folder in _data_dirs_read:
        _data_dirs_read.remove(folder)
    _data_dirs_read.insert(0, folder)


def resolve_image_path(path):
    """A relative image path found in a data folder read earlier (or the default one).

    Returns `path` unchanged when it is absolute, exists as given, or is
    found nowhere.
    """
    if os.path.isabs(path) or os.path.exists(path):
        return path
    folders = list(_data_dirs_read)
    if not folders:
        try:
            folders.append(find_data_dir())
        except FileNotFoundError:
            pass
    for folder in folders:
        candidate = os.path.join(folder, path)
        if os.path.isfile(candidate):
            return candidate
    return path


# ---------------------------------------------------------- finding the data

def find_data_dir(start=ASSIGNMENT_DIR):
    """The data folder, following the rules in this module's docstring."""
    choice = os.environ.get(DATA_ENV_VAR, "").strip()
    if choice and choice not in DATASET_FOLDERS:
        if not _holds_data(choice):
            raise FileNotFoundError(
                "%s=%s is not a folder holding coco2014_captions.h5 and the other data files.\n%s"
                % (DATA_ENV_VAR, choice, _how_to_get_data(choice)))
        return os.path.abspath(choice)

    name = DATASET_FOLDERS[choice or DEFAULT_DATASET]
    searched = []
    for folder in _self_and_ancestors(start):
        candidate = os.path.join(folder, "datasets", name)
        if _holds_data(candidate):
            return candidate
        searched.append(candidate)
    raise FileNotFoundError(
        "No captioning data found; looked for %s in:\n  %s\n%s"
        % (name, "\n  ".join(searched[:4] + (["..."] if len(searched) > 4 else [])),
           _how_to_get_data(choice or DEFAULT_DATASET)))


def _self_and_ancestors(folder):
    folder = os.path.abspath(folder)
    while True:
        yield folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


def _holds_data(folder):
    """True if `folder` has the captions file; load_coco_data reports any other missing file."""
    return os.path.isfile(os.path.join(folder, "coco2014_captions.h5"))


def _how_to_get_data(choice):
    if choice == "coco":
        command = "`%s --coco`" % GET_DATA_COMMAND
    else:
        command = "`%s` (in the course repository: `make data`)" % GET_DATA_COMMAND
    return ("To get it, run %s inside the assignment folder %s, "
            "or set %s to a folder that holds the data."
            % (command, ASSIGNMENT_DIR, DATA_ENV_VAR))


# ------------------------------------------------------------------ captions

def decode_captions(captions, idx_to_word):
    """Word indices back to strings.

    A 1-D array gives one string, a 2-D array a list of strings. <NULL>
    padding is skipped and each caption stops after its <END>.
    """
    single = np.ndim(captions) == 1
    rows = [captions] if single else captions
    decoded = []
    for row in rows:
        words = []
        for idx in row:
            word = idx_to_word[int(idx)]
            if word != "<NULL>":
                words.append(word)
            if word == "<END>":
                break
        decoded.append(" ".join(words))
    return decoded[0] if single else decoded


def sample_coco_minibatch(data, batch_size=100, split="train"):
    """A random minibatch, drawn with replacement: (captions, image_features, urls)."""
    split_size = data["%s_captions" % split].shape[0]
    pick = np.random.choice(split_size, batch_size)
    captions = data["%s_captions" % split][pick]
    image_idxs = data["%s_image_idxs" % split][pick]
    image_features = data["%s_features" % split][image_idxs]
    urls = data["%s_urls" % split][image_idxs]
    return captions, image_features, urls

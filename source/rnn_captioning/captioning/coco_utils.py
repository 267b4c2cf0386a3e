"""Provided: loading the captioning data and handling encoded captions."""
import json
import os

import h5py
import numpy as np


def load_coco_data(base_dir=None, max_train=None, pca_features=True):
    """Load captions, image features, vocabulary and image URLs into a dict."""
    data = {}
    with h5py.File(os.path.join(base_dir, "coco2014_captions.h5"), "r") as f:
        for key, value in f.items():
            data[key] = np.asarray(value)
    suffix = "_pca" if pca_features else ""
    for split in ("train", "val"):
        with h5py.File(os.path.join(base_dir, "%s2014_vgg16_fc7%s.h5" % (split, suffix)), "r") as f:
            data["%s_features" % split] = np.asarray(f["features"])
    with open(os.path.join(base_dir, "coco2014_vocab.json")) as f:
        data.update(json.load(f))
    for split in ("train", "val"):
        with open(os.path.join(base_dir, "%s2014_urls.txt" % split)) as f:
            data["%s_urls" % split] = np.asarray([line.strip() for line in f])
    if max_train is not None:
        keep = np.random.randint(data["train_captions"].shape[0], size=max_train)
        data["train_captions"] = data["train_captions"][keep]
        data["train_image_idxs"] = data["train_image_idxs"][keep]
    return data


def decode_captions(captions, idx_to_word):
    """Word indices back to strings; stops after <END>, skips <NULL>."""
    single = captions.ndim == 1
    rows = captions[None] if single else captions
    decoded = []
    for row in rows:
        words = []
        for idx in row:
            word = idx_to_word[idx]
            if word != "<NULL>":
                words.append(word)
            if word == "<END>":
                break
        decoded.append(" ".join(words))
    return decoded[0] if single else decoded


def sample_coco_minibatch(data, batch_size=100, split="train"):
    """A random minibatch (with replacement): (captions, image_features, urls)."""
    split_size = data["%s_captions" % split].shape[0]
    pick = np.random.choice(split_size, batch_size)
    captions = data["%s_captions" % split][pick]
    image_idxs = data["%s_image_idxs" % split][pick]
    image_features = data["%s_features" % split][image_idxs]
    urls = data["%s_urls" % split][image_idxs]
    return captions, image_features, urls

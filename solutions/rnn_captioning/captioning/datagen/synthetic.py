"""Generate the synthetic captioning dataset in the CS231n COCO file layout.

Every image is a rendered scene of one or two coloured shapes (see
scenes.py), saved as a PNG under images/. Its URL, in train2014_urls.txt or
val2014_urls.txt, is the PNG's path relative to the dataset folder, so the
folder can be moved or copied anywhere. The features come from features.py.
The same arguments always give the same bytes.
"""
import hashlib
import os
import shutil
from collections import Counter

import numpy as np

from . import features, layout, scenes

NAME = "synthetic_captioning"
NUM_TRAIN_IMAGES = 4000
NUM_VAL_IMAGES = 1000
CAPTIONS_PER_IMAGE = 5
MIN_WORD_COUNT = 10      # rarer training words become <UNK>, as in the COCO vocabulary
SEED = 231


STAMP_FILE = ".generator"   # which code and settings made the folder


def fingerprint(num_train=NUM_TRAIN_IMAGES, num_val=NUM_VAL_IMAGES, seed=SEED):
    """A digest of the generator's code and settings: equal digests give equal bytes."""
    digest = hashlib.sha256(repr((num_train, num_val, seed)).encode())
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("scenes.py", "features.py", "layout.py", "synthetic.py"):
        with open(os.path.join(here, name), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def is_up_to_date(destination, **settings):
    """True if `destination` was made by this exact generator with these settings."""
    try:
        with open(os.path.join(destination, STAMP_FILE)) as f:
            stamp = f.read().strip()
    except OSError:
        return False
    return stamp == fingerprint(**settings) and layout.has_dataset_files(destination)


def generate(destination, num_train=NUM_TRAIN_IMAGES, num_val=NUM_VAL_IMAGES, seed=SEED):
    """Build the dataset in a staging folder, check it, then move it to `destination`."""
    staging = layout.make_staging_dir(destination)
    try:
        write_dataset(staging, num_train, num_val, seed)
        layout.write_lines(os.path.join(staging, STAMP_FILE), [fingerprint(num_train, num_val, seed)])
        layout.check_dataset(staging)
        layout.swap_into_place(staging, destination)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)
    return destination


def write_dataset(folder, num_train, num_val, seed):
    """Write every dataset file into the existing, empty `folder`."""
    rng = np.random.default_rng(seed)
    splits = {}
    for split, count in (("train", num_train), ("val", num_val)):
        split_scenes = [scenes.sample_scene(rng) for _ in range(count)]
        split_captions = [scenes.describe_scene(s, rng, CAPTIONS_PER_IMAGE) for s in split_scenes]
        splits[split] = (split_scenes, split_captions)

    idx_to_word = build_vocabulary(splits["train"][1])
    layout.write_vocab(os.path.join(folder, layout.VOCAB_FILE), idx_to_word)
    word_to_idx = {word: i for i, word in enumerate(idx_to_word)}

    caption_arrays = {}
    pixels = {}
    for split, (split_scenes, split_captions) in splits.items():
        urls, pixels[split] = render_images(folder, split, split_scenes)
        layout.write_lines(os.path.join(folder, layout.urls_file(split)), urls)
        captions, image_idxs = encode_captions(split_captions, word_to_idx)
        # Mix the captions of all images, as the COCO file does, rather than
        # keeping each image's five captions together.
        order = rng.permutation(len(captions))
        captions, image_idxs = captions[order], image_idxs[order]
        caption_arrays["%s_captions" % split] = captions
        caption_arrays["%s_image_idxs" % split] = image_idxs
    layout.write_h5(os.path.join(folder, layout.CAPTIONS_FILE), caption_arrays)
    write_features(folder, pixels)


def build_vocabulary(captions_per_image):
    """Special tokens, then training words seen at least MIN_WORD_COUNT times (most frequent first)."""
    counts = Counter(word for captions in captions_per_image for words in captions for word in words)
    kept = [word for word, count in counts.items() if count >= MIN_WORD_COUNT]
    kept.sort(key=lambda word: (-counts[word], word))
    return layout.SPECIAL_TOKENS + kept


def encode_captions(captions_per_image, word_to_idx):
    """int32 captions (M, 17) as <START> words <END> <NULL>..., and their image indices (M,)."""
    unknown = word_to_idx["<UNK>"]
    rows, image_idxs = [], []
    for image_idx, captions in enumerate(captions_per_image):
        for words in captions:
            tokens = [word_to_idx["<START>"]]
            tokens += [word_to_idx.get(word, unknown) for word in words]
            tokens.append(word_to_idx["<END>"])
            tokens += [word_to_idx["<NULL>"]] * (layout.CAPTION_LENGTH - len(tokens))
            rows.append(tokens)
            image_idxs.append(image_idx)
    return np.array(rows, dtype=np.int32), np.array(image_idxs, dtype=np.int32)


def render_images(folder, split, split_scenes):
    """Save each scene as a PNG; return the relative URLs and the uint8 pixels (N, H, W, 3)."""
    relative_dir = "images/%s2014" % split
    os.makedirs(os.path.join(folder, relative_dir))
    urls, pixels = [], []
    for i, scene in enumerate(split_scenes):
        image = scenes.render_scene(scene)
        url = "%s/%s_%05d.png" % (relative_dir, split, i)
        image.save(os.path.join(folder, url))   # Pillow writes no timestamp into PNGs
        urls.append(url)
        pixels.append(np.asarray(image))
    return urls, np.stack(pixels)


def write_features(folder, pixels):
    """fc7 (4096-d) features for both splits, and their PCA (512-d) fitted on train."""
    fc7 = {split: features.fc7_features(images) for split, images in pixels.items()}
    mean, components = features.fit_pca(fc7["train"])
    for split, values in fc7.items():
        layout.write_h5(os.path.join(folder, layout.features_file(split, False)), {"features": values})
        reduced = features.apply_pca(values, mean, components)
        layout.write_h5(os.path.join(folder, layout.features_file(split, True)), {"features": reduced})

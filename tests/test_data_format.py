"""The embedded dataset as load_coco_data serves it: CS231n's layout, dtypes,
captions and URLs; and it is learnable (the notebook's overfit cell passes)."""
import os
import shutil

import numpy as np
import pytest

from captioning.coco_utils import (decode_captions, load_coco_data, resolve_image_path,
                                    sample_coco_minibatch)
from captioning.image_utils import image_from_url
EXPECTED_KEYS = {"train_captions", "train_image_idxs", "val_captions", "val_image_idxs",
                 "train_features", "val_features", "idx_to_word", "word_to_idx",
                 "train_urls", "val_urls"}


@pytest.fixture(scope="module")
def data(synthetic_data_dir):
    return load_coco_data(base_dir=synthetic_data_dir)


# ------------------------------------------------------------------ format

def test_keys_dtypes_and_shapes(data):
    assert set(data) == EXPECTED_KEYS
    for split in ("train", "val"):
        captions = data["%s_captions" % split]
        idxs = data["%s_image_idxs" % split]
        features = data["%s_features" % split]
        urls = data["%s_urls" % split]
        assert captions.dtype == np.int32 and captions.ndim == 2 and captions.shape[1] == 17
        assert idxs.dtype == np.int32 and idxs.shape == (captions.shape[0],)
        assert features.dtype == np.float32 and features.shape == (len(urls), 512)
        assert isinstance(urls, np.ndarray) and urls.dtype.kind == "U"
        assert idxs.min() >= 0 and idxs.max() < len(urls)
        # Five captions for every image.
        assert np.all(np.bincount(idxs, minlength=len(urls)) == 5)
    assert isinstance(data["idx_to_word"], list) and isinstance(data["word_to_idx"], dict)
    assert len(data["train_captions"]) >= 5000 and len(data["val_captions"]) >= 1000


def test_vocabulary_special_tokens_and_unk(data):
    idx_to_word, word_to_idx = data["idx_to_word"], data["word_to_idx"]
    assert idx_to_word[:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert all(word_to_idx[w] == i for i, w in enumerate(idx_to_word))
    # Rare synonyms exist in the grammar, so some captions must use <UNK>.
    assert (data["train_captions"] == word_to_idx["<UNK>"]).any()


@pytest.mark.parametrize("split", ["train", "val"])
def test_every_caption_is_start_words_end_then_null(data, split):
    captions = data["%s_captions" % split]
    null, start, end = 0, 1, 2
    assert np.all(captions[:, 0] == start)
    assert np.all((captions == end).sum(axis=1) == 1)
    end_at = np.argmax(captions == end, axis=1)
    positions = np.arange(captions.shape[1])[None, :]
    assert np.all((captions == null) == (positions > end_at[:, None]))
    assert np.all(end_at >= 3)   # at least a couple of real words


def test_pca_features_false_gives_fc7(synthetic_data_dir):
    full = load_coco_data(base_dir=synthetic_data_dir, pca_features=False)
    assert full["train_features"].dtype == np.float32
    assert full["train_features"].shape == (len(full["train_urls"]), 4096)
    assert full["val_features"].shape == (len(full["val_urls"]), 4096)


def test_max_train_subsamples_like_the_original(data, synthetic_data_dir):
    np.random.seed(231)
    small = load_coco_data(base_dir=synthetic_data_dir, max_train=50)
    np.random.seed(231)
    expected = np.random.randint(len(data["train_captions"]), size=50)
    assert small["train_captions"].shape == (50, 17)
    assert small["train_image_idxs"].shape == (50,)
    assert np.array_equal(small["train_captions"], data["train_captions"][expected])
    assert np.array_equal(small["train_image_idxs"], data["train_image_idxs"][expected])
    # Validation data and features are untouched.
    assert np.array_equal(small["val_captions"], data["val_captions"])
    assert small["train_features"].shape == data["train_features"].shape


def test_urls_are_local_images_that_load(data, synthetic_data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # not from the data folder
    for url in list(data["train_urls"][:3]) + list(data["val_urls"][:3]):
        # Relative to the data folder, so they read the same on every machine.
        assert not os.path.isabs(url) and os.path.isfile(os.path.join(synthetic_data_dir, url))
        image = image_from_url(url)
        assert image.dtype == np.uint8 and image.shape == (96, 96, 3)


def test_decode_captions(data):
    idx_to_word = data["idx_to_word"]
    row = np.array([1, 4, 0, 5, 2, 6, 0], dtype=np.int32)   # <START> w <NULL> w <END> w <NULL>
    text = decode_captions(row, idx_to_word)
    assert isinstance(text, str)
    assert text == "<START> %s %s <END>" % (idx_to_word[4], idx_to_word[5])
    assert decode_captions(np.stack([row, row]), idx_to_word) == [text, text]


def test_sample_coco_minibatch_draws_with_replacement(data):
    np.random.seed(0)
    captions, features, urls = sample_coco_minibatch(data, batch_size=7, split="val")
    np.random.seed(0)
    pick = np.random.choice(len(data["val_captions"]), 7)
    assert np.array_equal(captions, data["val_captions"][pick])
    idxs = data["val_image_idxs"][pick]
    assert np.array_equal(features, data["val_features"][idxs])
    assert list(urls) == list(data["val_urls"][idxs])


def test_relative_urls_resolve_after_moving_the_folder(tiny_data_dir, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.copytree(tiny_data_dir, moved)
    with open(moved / "train2014_urls.txt") as f:
        assert not os.path.isabs(f.readline().strip())
    loaded = load_coco_data(base_dir=str(moved))
    assert image_from_url(loaded["train_urls"][0]).shape == (96, 96, 3)
    assert resolve_image_path(loaded["train_urls"][0]) == str(moved / loaded["train_urls"][0])


# ------------------------------------------------------------- learnability

@pytest.mark.slow
@pytest.mark.parametrize("cell_type, lr_decay, target", [("rnn", 0.95, 0.1), ("lstm", 0.995, 0.5)])
def test_notebook_overfit_check_passes_on_the_synthetic_data(synthetic_data_dir, cell_type,
                                                             lr_decay, target):
    """The seeds' overfit cell, with the reference model and solver."""
    from captioning.captioning_solver import CaptioningSolver
    from captioning.classifiers.rnn import CaptioningRNN

    np.random.seed(231)
    small = load_coco_data(base_dir=synthetic_data_dir, max_train=50)
    model = CaptioningRNN(cell_type=cell_type, word_to_idx=small["word_to_idx"],
                          input_dim=small["train_features"].shape[1],
                          hidden_dim=512, wordvec_dim=256)
    solver = CaptioningSolver(model, small, update_rule="adam", num_epochs=50, batch_size=25,
                              optim_config={"learning_rate": 5e-3}, lr_decay=lr_decay,
                              verbose=False)
    solver.train()
    assert solver.loss_history[-1] < target

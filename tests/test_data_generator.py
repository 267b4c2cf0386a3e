"""The synthetic dataset generator: byte-identical, up-to-date checks, a clean folder."""
import os
import shutil

from captioning.datagen import layout, synthetic
from helpers import tree_digest



# ----------------------------------------------------------- the generator

def test_generation_is_byte_identical(tiny_data_dir, tmp_path):
    again = synthetic.generate(str(tmp_path / "again"), num_train=40, num_val=10)
    assert tree_digest(again) == tree_digest(tiny_data_dir)


def test_up_to_date_check(tiny_data_dir, tmp_path):
    assert synthetic.is_up_to_date(tiny_data_dir, num_train=40, num_val=10)
    assert not synthetic.is_up_to_date(tiny_data_dir)             # other settings
    copy = tmp_path / "copy"
    shutil.copytree(tiny_data_dir, copy)
    os.remove(copy / layout.VOCAB_FILE)
    assert not synthetic.is_up_to_date(str(copy), num_train=40, num_val=10)


def test_generated_folder_passes_the_checker_and_leaves_no_staging(tiny_data_dir):
    layout.check_dataset(tiny_data_dir)
    siblings = os.listdir(os.path.dirname(tiny_data_dir))
    assert siblings == ["synthetic_captioning"]

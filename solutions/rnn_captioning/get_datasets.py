"""Get the data for the captioning assignment. Run it from this folder:

    python get_datasets.py          # make the synthetic dataset (offline, seconds)
    python get_datasets.py --coco   # download the real COCO data (about 1 GB)

The synthetic dataset goes to ./datasets/synthetic_captioning and the COCO
data to ./datasets/coco_captioning, where load_coco_data() finds them. The
synthetic one is used by default; to use COCO, set the environment variable
CAPTIONING_DATA=coco (or to the folder), or call load_coco_data(base_dir=...).
An interrupted download resumes when you run the same command again.
Both show a progress bar from the start (--quiet for none).
"""
import argparse
import contextlib
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from captioning.datagen import download, features, layout, scenes, synthetic  # noqa: E402


@contextlib.contextmanager
def counted(module, name, bar, stage, weight, shown):
    """Each call of module.name shows `stage` on the bar and then advances it by `weight`
    (shown: a one-item list holding the stage on display)."""
    original = getattr(module, name)

    def counting(*args, **kwargs):
        if shown[0] != stage:
            shown[0] = stage
            bar.set_description(stage)
        result = original(*args, **kwargs)
        bar.update(weight)
        return result
    setattr(module, name, counting)
    try:
        yield
    finally:
        setattr(module, name, original)


def generate_with_progress(destination, bar, num_train=synthetic.NUM_TRAIN_IMAGES,
                           num_val=synthetic.NUM_VAL_IMAGES):
    """synthetic.generate with `bar` (a tqdm bar) following its steps: drawing the
    scenes, rendering the images, computing the features (per batch of 500), the
    PCA. The generator's own files stay as they are (their digest says whether a
    dataset is up to date), so its steps are counted from outside."""
    images = num_train + num_val
    batches = math.ceil(num_train / 500) + math.ceil(num_val / 500)
    # Milliseconds per step, roughly, so that the bar moves evenly.
    steps = [(scenes, "sample_scene", "drawing scenes", 1, images),
             (scenes, "render_scene", "rendering images", 3, images),
             (features, "descriptor", "image features", 1000, batches),
             (features, "fit_pca", "PCA", 10000, 1)]
    bar.total = sum(weight * count for _, _, _, weight, count in steps)
    shown = [None]
    with contextlib.ExitStack() as stack:
        for module, name, stage, weight, _ in steps:
            stack.enter_context(counted(module, name, bar, stage, weight, shown))
        synthetic.generate(destination, num_train=num_train, num_val=num_val)
    bar.set_description("written")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Make the synthetic captioning dataset, or download the real COCO one.")
    parser.add_argument("--coco", action="store_true",
                        help="download the CS231n preprocessed COCO data instead")
    parser.add_argument("--out", default=None,
                        help="dataset folder to create (default: ./datasets/synthetic_captioning "
                             "or ./datasets/coco_captioning beside this script)")
    parser.add_argument("--url", default=download.COCO_URL,
                        help="where to download the COCO archive from (default: %(default)s)")
    parser.add_argument("--force", action="store_true",
                        help="remake the synthetic dataset even if it is up to date")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    name = "coco_captioning" if args.coco else synthetic.NAME
    destination = os.path.abspath(args.out or os.path.join(HERE, "datasets", name))
    started = time.monotonic()
    try:
        if args.coco:
            download.fetch_coco(destination, url=args.url, show_progress=not args.quiet)
        elif not args.force and synthetic.is_up_to_date(destination):
            print("The synthetic dataset in %s is up to date." % destination)
            return 0
        else:
            print("Making the synthetic dataset (%d + %d images) in %s; it takes under a minute."
                  % (synthetic.NUM_TRAIN_IMAGES, synthetic.NUM_VAL_IMAGES, destination), flush=True)
            from tqdm import tqdm
            with tqdm(desc="starting", disable=args.quiet, file=sys.stderr, mininterval=0.25,
                      bar_format="{desc:<17} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}") as bar:
                generate_with_progress(destination, bar)
    except (download.DownloadError, layout.DatasetError) as error:
        print("error: %s" % error, file=sys.stderr)
        return 1
    print("Data ready in %s (%.1f s)." % (destination, time.monotonic() - started))
    if args.coco:
        print("To use it, set CAPTIONING_DATA=coco, or pass base_dir=%r to load_coco_data." % destination)
    return 0


if __name__ == "__main__":
    sys.exit(main())

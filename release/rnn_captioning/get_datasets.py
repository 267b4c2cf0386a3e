"""Get the data for the captioning assignment. Run it from this folder:

    python get_datasets.py          # make the synthetic dataset (offline, seconds)
    python get_datasets.py --coco   # download the real COCO data (about 1 GB)

The synthetic dataset goes to ./datasets/synthetic_captioning and the COCO
data to ./datasets/coco_captioning, where load_coco_data() finds them. The
synthetic one is used by default; to use COCO, set the environment variable
CAPTIONING_DATA=coco (or to the folder), or call load_coco_data(base_dir=...).
An interrupted download resumes when you run the same command again.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from captioning.datagen import download, layout, synthetic  # noqa: E402


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
            synthetic.generate(destination)
    except (download.DownloadError, layout.DatasetError) as error:
        print("error: %s" % error, file=sys.stderr)
        return 1
    print("Data ready in %s (%.1f s)." % (destination, time.monotonic() - started))
    if args.coco:
        print("To use it, set CAPTIONING_DATA=coco, or pass base_dir=%r to load_coco_data." % destination)
    return 0


if __name__ == "__main__":
    sys.exit(main())

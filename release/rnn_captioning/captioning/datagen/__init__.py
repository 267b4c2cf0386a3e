"""Getting data for the assignment: the synthetic dataset and the real COCO download.

Run `python get_datasets.py` (synthetic, the default) or
`python get_datasets.py --coco` from the assignment folder rather than
calling these modules directly.
"""

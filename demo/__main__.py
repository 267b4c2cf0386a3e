"""`make demo`: the kit's main job on the embedded data, after `make build`.

1. Train the reference captioning models on the small overfitting set (with a
   progress bar), print sampled captions next to the ground truth, and save a
   picture of the loss curves and captioned images to out/demo/samples.png.
2. Grade three submissions with the sandboxed autograder (the solutions, the
   untouched release, and the solutions with typical mistakes) and print a
   table of part x submission.
"""
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "demo"
sys.path.insert(0, str(ROOT / "solutions" / "rnn_captioning"))


def train_with_progress(cell_type):
    from tqdm import tqdm
    from captioning.public_checks import train_overfit_model

    with tqdm(desc="training %s" % cell_type, unit="it", file=sys.stdout, mininterval=2) as bar:
        def progress(iteration, total, loss):
            bar.total = total
            bar.set_postfix(loss="%.3f" % loss, refresh=False)
            bar.update(1)
        return train_overfit_model(cell_type, progress=progress)


def captioned_examples(model, data, split, count):
    from captioning.coco_utils import decode_captions, sample_coco_minibatch
    captions, features, urls = sample_coco_minibatch(data, batch_size=count, split=split)
    truth = decode_captions(captions[:, 1:], data["idx_to_word"])   # without <START>, as samples are shown
    sampled = decode_captions(model.sample(features), data["idx_to_word"])
    return list(zip(urls, truth, sampled))


def save_picture(curves, examples, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from captioning.image_utils import image_from_url

    fig = plt.figure(figsize=(12, 7.5))
    ax = fig.add_subplot(2, 1, 1)
    for cell_type, history in curves.items():
        ax.plot(history, label=cell_type)
    ax.set(xlabel="iteration", ylabel="training loss", yscale="log",
           title="Overfitting 50 captions (the original assignment's settings)")
    ax.legend()
    for i, (split, url, truth, sampled) in enumerate(examples):
        ax = fig.add_subplot(2, len(examples), len(examples) + i + 1)
        image = image_from_url(url)
        if image is not None:
            ax.imshow(image)
        ax.set_title("%s\n%s\nGT: %s" % (split, textwrap.fill(sampled, 28), textwrap.fill(truth, 28)),
                     fontsize=7)
        ax.axis("off")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def train_and_sample():
    curves, examples = {}, []
    for cell_type in ("rnn", "lstm"):
        model, solver = train_with_progress(cell_type)
        curves[cell_type] = solver.loss_history
        print("%s: final training loss %.4f" % (cell_type, solver.loss_history[-1]))
        np.random.seed(0)
        for split in ("train", "val"):
            for url, truth, sampled in captioned_examples(model, solver.data, split, 2):
                print("  %-5s sampled: %s\n        truth:   %s" % (split, sampled, truth))
                if cell_type == "lstm":
                    examples.append((split, url, truth, sampled))
    save_picture(curves, examples, OUT / "samples.png")
    print("loss curves and captioned images: %s" % (OUT / "samples.png").relative_to(ROOT))


def main():
    print("== 1. Train and sample (reference solution, embedded synthetic data)")
    train_and_sample()
    print("\n== 2. Grade three submissions in the sandbox")
    from demo.grading_table import run_demo
    print(run_demo(OUT))


if __name__ == "__main__":
    main()

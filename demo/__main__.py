"""`make demo`: the kit's main job on the embedded data, after `make build`.

1. Overfit: train the reference captioning models (rnn, lstm) on the 50
   training captions of the notebooks' overfitting check, with a progress
   bar: their loss curves show the check's job (memorise a small set).
2. Learn: train the reference LSTM on the whole embedded training split for
   about a minute (a progress bar with the loss), then caption the 1000
   validation images it never saw and measure the corpus BLEU-4 against
   their 5 captions each; print a few validation images' captions next to
   their ground truth (words only: no <START>, <END> or <NULL>).
   out/demo/samples.png: the overfit curves and the full training's loss
   beside the captioned validation images.
3. Grade three submissions with the sandboxed autograder (the solutions, the
   untouched release, and the solutions with typical mistakes) and print a
   table of part x submission.

    python -m demo [--seconds 60] [--max-iterations N] [--examples 4] [--out out/demo] [--no-grading]
"""
import argparse
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "solutions" / "rnn_captioning"))

from demo.learning import SETTINGS, shown, train_for, val_bleu  # noqa: E402
from uploads.wording import counted  # noqa: E402


def overfit_with_progress(cell_type):
    from tqdm import tqdm
    from captioning.public_checks import train_overfit_model

    with tqdm(desc="overfitting %s" % cell_type, unit="it", file=sys.stdout, mininterval=1) as bar:
        def progress(iteration, total, loss):
            bar.total = total
            bar.set_postfix(loss="%.3f" % loss, refresh=False)
            bar.update(1)
        return train_overfit_model(cell_type, progress=progress)


def learn_with_progress(data, seconds, max_iterations=None):
    """The LSTM trained on the whole train split for `seconds`, with a progress bar over the time."""
    from tqdm import tqdm

    epoch_size = len(data["train_captions"]) / SETTINGS["solver"]["batch_size"]
    with tqdm(total=round(seconds), desc="training on all %d captions" % len(data["train_captions"]),
              unit="s", file=sys.stdout, mininterval=1,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total} s{postfix}") as bar:
        def progress(iteration, elapsed, loss):
            bar.n = min(elapsed, bar.total)
            bar.set_postfix_str("iteration %d, epoch %.1f, loss %.3f" % (iteration, iteration / epoch_size, loss),
                                refresh=False)
            if iteration % 10 == 0:
                bar.refresh()
        model, solver, iterations = train_for(data, seconds, progress=progress, max_iterations=max_iterations)
        bar.n = min(solver.seconds, bar.total)
    return model, solver, iterations


def validation_examples(model, data, count, seed=0):
    """(url, sampled words, ground-truth words) of `count` validation images."""
    from captioning.coco_utils import decode_captions

    rng = np.random.default_rng(seed)
    images = rng.choice(len(data["val_features"]), size=count, replace=False)
    sampled = decode_captions(model.sample(data["val_features"][images], max_length=20), data["idx_to_word"])
    truth = {}
    for caption, image in zip(data["val_captions"], data["val_image_idxs"]):
        truth.setdefault(int(image), shown(decode_captions(caption, data["idx_to_word"])))
    return [(data["val_urls"][i], shown(s), truth[int(i)]) for i, s in zip(images, sampled)]


def save_picture(curves, learned, examples, bleu, seconds, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from captioning.image_utils import image_from_url

    columns = max(len(examples), 2)
    fig = plt.figure(figsize=(3.2 * columns, 8))
    grid = fig.add_gridspec(2, columns, height_ratios=[1, 1.15])
    half = columns // 2
    ax = fig.add_subplot(grid[0, :half])
    for cell_type, history in curves.items():
        ax.plot(history, label=cell_type)
    ax.set(xlabel="iteration", ylabel="training loss", yscale="log",
           title="Overfitting 50 captions (the notebooks' check)")
    ax.legend()
    ax = fig.add_subplot(grid[0, half:])
    history = np.asarray(learned, dtype=float)
    ax.plot(history, alpha=0.3, color="tab:green")
    window = max(1, len(history) // 50)
    if len(history) >= window:
        ax.plot(np.arange(window - 1, len(history)), np.convolve(history, np.ones(window) / window, "valid"),
                color="tab:green", label="lstm, moving average")
    ax.set(xlabel="iteration", ylabel="training loss",
           title="All training captions, %.0f s: val BLEU-4 %.2f" % (seconds, bleu))
    ax.legend()
    for i, (url, sampled, truth) in enumerate(examples):
        ax = fig.add_subplot(grid[1, i])
        image = image_from_url(url)
        if image is not None:
            ax.imshow(image)
        ax.set_title("model: %s\nGT: %s" % (textwrap.fill(sampled, 30), textwrap.fill(truth, 30)), fontsize=8)
        ax.axis("off")
    fig.suptitle("Bottom: validation images (never trained on), captioned by the model trained on all captions",
                 y=0.02, va="bottom", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def overfit_and_learn(out, seconds, count, max_iterations=None):
    from captioning.coco_utils import load_coco_data

    curves, overfit = {}, {}
    print("-- overfitting the small set (the notebooks' check)")
    for cell_type in ("rnn", "lstm"):
        overfit[cell_type], solver = overfit_with_progress(cell_type)
        curves[cell_type] = solver.loss_history
        print("%s: final training loss %.4f on 50 captions" % (cell_type, solver.loss_history[-1]))

    print("\n-- learning: the LSTM on the whole embedded training split for %.0f s" % seconds)
    data = load_coco_data(pca_features=True)
    model, solver, iterations = learn_with_progress(data, seconds, max_iterations)
    seconds = solver.seconds
    bleu, images, _, _ = val_bleu(model, data)
    memorised = val_bleu(overfit["lstm"], data)[0]
    print("trained %s (%.1f epochs) in %.0f s, final loss %.3f"
          % (counted(iterations, "iteration"), iterations * solver.batch_size / len(data["train_captions"]), seconds,
             solver.loss_history[-1]))
    print("val BLEU-4 %.3f: greedy captions of all %d validation images (never trained on) against their "
          "5 captions each" % (bleu, len(images)))
    print("(the overfit lstm, which memorised 50 captions, gets val BLEU-4 %.3f: it cannot caption new images)"
          % memorised)
    examples = validation_examples(model, data, count)
    for _, sampled, truth in examples:
        print("  val sampled: %s\n      truth:   %s" % (sampled, truth))
    picture = out / "samples.png"
    save_picture(curves, solver.loss_history, examples, bleu, seconds, picture)
    print("loss curves and captioned validation images: %s" % picture)
    return bleu


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="training time on the whole train split")
    parser.add_argument("--max-iterations", type=int, default=None,
                        help="stop after this many iterations even with time left (tests)")
    parser.add_argument("--examples", type=int, default=4, help="validation images captioned in the picture")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "demo")
    parser.add_argument("--no-grading", action="store_true", help="skip part 3 (grading three submissions)")
    args = parser.parse_args(argv)
    print("== 1-2. Train and sample (reference solution, embedded synthetic data)")
    overfit_and_learn(args.out, args.seconds, args.examples, args.max_iterations)
    if not args.no_grading:
        print("\n== 3. Grade three submissions in the sandbox")
        from demo.grading_table import run_demo
        print(run_demo(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Is the synthetic captioning dataset learnable? Train and measure BLEU-4.

Trains the reference LSTM CaptioningRNN on the synthetic training split for
a fixed wall-clock budget (2 minutes by default), then captions every
validation image greedily and prints the corpus BLEU-4 (nltk) of those
captions against each image's 5 reference captions. Target: >= 0.4.

    python benchmarks/bleu_synthetic.py [--data-dir DIR] [--seconds 120]

The data is found as load_coco_data finds it (CAPTIONING_DATA, then
datasets/synthetic_captioning above the assignment folder); run
`make data` or `python source/rnn_captioning/get_datasets.py --out datasets`
first.
"""
import argparse
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "source", "rnn_captioning"))
sys.path.insert(1, REPO)

from captioning.coco_utils import load_coco_data  # noqa: E402
from demo.learning import train_for, val_bleu  # noqa: E402  (one definition, shared with `make demo`)


def train(data, seconds, seed):
    """An LSTM trained for at most `seconds` of wall-clock time; returns (model, solver, iterations)."""
    def report(iteration, elapsed, loss):
        if iteration % 100 == 0:
            print("  iteration %d (%.0f s), loss %.3f" % (iteration, elapsed, loss), flush=True)
    return train_for(data, seconds, seed, progress=report)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="dataset folder (default: found as load_coco_data does)")
    parser.add_argument("--seconds", type=float, default=120.0, help="training budget in wall-clock seconds")
    parser.add_argument("--seed", type=int, default=231)
    args = parser.parse_args()

    data = load_coco_data(base_dir=args.data_dir, pca_features=True)
    print("train captions %d, val images %d, vocabulary %d words"
          % (len(data["train_captions"]), len(data["val_features"]), len(data["idx_to_word"])))
    start = time.monotonic()
    model, solver, iterations = train(data, args.seconds, args.seed)
    trained = time.monotonic() - start
    score, images, hypotheses, references = val_bleu(model, data)
    for i in range(3):
        print("  sampled: %s\n  reference: %s" % (" ".join(hypotheses[i]), " ".join(references[images[i]][0])))
    print("trained %d iterations (%.1f epochs) in %.1f s; final loss %.3f"
          % (iterations, iterations * solver.batch_size / len(data["train_captions"]),
             trained, solver.loss_history[-1]))
    print("val corpus BLEU-4: %.3f (target >= 0.4)" % score)


if __name__ == "__main__":
    main()

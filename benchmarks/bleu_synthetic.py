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

import numpy as np
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "source", "rnn_captioning"))

from captioning.captioning_solver import CaptioningSolver  # noqa: E402
from captioning.classifiers.rnn import CaptioningRNN  # noqa: E402
from captioning.coco_utils import decode_captions, load_coco_data  # noqa: E402

SPECIAL = {"<NULL>", "<START>", "<END>"}


class TimeIsUp(Exception):
    """Raised from the solver's progress callback to end training on time."""


def train(data, seconds, seed):
    """An LSTM trained for at most `seconds` of wall-clock time; returns (model, solver, iterations)."""
    np.random.seed(seed)
    model = CaptioningRNN(cell_type="lstm", word_to_idx=data["word_to_idx"],
                          input_dim=data["train_features"].shape[1],
                          hidden_dim=256, wordvec_dim=128)
    solver = CaptioningSolver(model, data, update_rule="adam", num_epochs=20,
                              batch_size=100, optim_config={"learning_rate": 5e-3},
                              lr_decay=0.9, verbose=False)
    deadline = time.monotonic() + seconds
    done = [0]

    def stop_when_time_is_up(iteration, total, loss):
        done[0] = iteration
        if iteration % 100 == 0:
            print("  iteration %d / %d, loss %.3f" % (iteration, total, loss), flush=True)
        if time.monotonic() >= deadline:
            raise TimeIsUp

    try:
        solver.train(progress=stop_when_time_is_up)
    except TimeIsUp:
        pass
    return model, solver, done[0]


def words(caption_string):
    return [w for w in caption_string.split() if w not in SPECIAL]


def val_bleu(model, data):
    """Corpus BLEU-4 of greedy captions of every val image against its references."""
    references = {}
    for caption, image in zip(data["val_captions"], data["val_image_idxs"]):
        references.setdefault(int(image), []).append(
            words(decode_captions(caption, data["idx_to_word"])))
    images = sorted(references)
    sampled = model.sample(data["val_features"][images], max_length=20)
    hypotheses = [words(s) for s in decode_captions(sampled, data["idx_to_word"])]
    score = corpus_bleu([references[i] for i in images], hypotheses,
                        smoothing_function=SmoothingFunction().method1)
    return score, images, hypotheses, references


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

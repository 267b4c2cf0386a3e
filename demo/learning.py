"""What the captioning model learns from the whole embedded dataset: one
definition, shared by `make demo` and benchmarks/bleu_synthetic.py.

    model, solver, iterations = train_for(data, seconds=60, progress=callback)
    score, images, hypotheses, references = val_bleu(model, data)

`train_for` trains the reference LSTM CaptioningRNN on every training caption
for a wall-clock budget; `val_bleu` captions every validation image greedily
and measures the corpus BLEU-4 (nltk) against each image's 5 captions. The
`captioning` package is whichever is first on sys.path (the demo puts the
solutions' there, the benchmark the source's).
"""
import time

import numpy as np

SPECIAL = {"<NULL>", "<START>", "<END>"}
SETTINGS = {"model": dict(cell_type="lstm", hidden_dim=256, wordvec_dim=128),
            "solver": dict(update_rule="adam", num_epochs=20, batch_size=100,
                           optim_config={"learning_rate": 5e-3}, lr_decay=0.9)}


class TimeIsUp(Exception):
    """Raised from the solver's progress callback to end training on time."""


def train_for(data, seconds, seed=231, progress=None, max_iterations=None):
    """An LSTM trained for at most `seconds` of wall-clock time (and at most
    max_iterations) on data's whole train split; returns (model, solver,
    iterations done), solver.seconds the time it trained. progress(iteration,
    seconds elapsed, loss), if given, is called after every iteration."""
    from captioning.captioning_solver import CaptioningSolver
    from captioning.classifiers.rnn import CaptioningRNN

    np.random.seed(seed)
    model = CaptioningRNN(word_to_idx=data["word_to_idx"], input_dim=data["train_features"].shape[1],
                          **SETTINGS["model"])
    solver = CaptioningSolver(model, data, verbose=False, **SETTINGS["solver"])
    started = time.monotonic()
    done = [0]

    def stop_when_time_is_up(iteration, total, loss):
        done[0] = iteration
        elapsed = time.monotonic() - started
        if progress is not None:
            progress(iteration, elapsed, loss)
        if elapsed >= seconds or (max_iterations and iteration >= max_iterations):
            raise TimeIsUp

    try:
        solver.train(progress=stop_when_time_is_up)
    except TimeIsUp:
        pass
    solver.seconds = time.monotonic() - started
    return model, solver, done[0]


def words(caption):
    """A decoded caption's words, without <START>, <END> and <NULL>."""
    return [w for w in caption.split() if w not in SPECIAL]


def shown(caption):
    """A decoded caption as the demo shows it: its words only."""
    return " ".join(words(caption))


def val_bleu(model, data, max_length=20):
    """Corpus BLEU-4 of greedy captions of every val image against its references.

    Returns (score, image indices, hypotheses, {image: references}), captions as word lists."""
    from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu
    from captioning.coco_utils import decode_captions

    references = {}
    for caption, image in zip(data["val_captions"], data["val_image_idxs"]):
        references.setdefault(int(image), []).append(words(decode_captions(caption, data["idx_to_word"])))
    images = sorted(references)
    sampled = model.sample(data["val_features"][images], max_length=max_length)
    hypotheses = [words(s) for s in decode_captions(sampled, data["idx_to_word"])]
    score = corpus_bleu([references[i] for i in images], hypotheses,
                        smoothing_function=SmoothingFunction().method1)
    return score, images, hypotheses, references

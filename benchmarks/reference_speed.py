"""How fast is the reference solution? The original notebook's overfit workload at its sizes.

N=25 captions of T=16 input words, D=512 features, W=256 word vectors, H=512
hidden units, V=1004 words, adam, 100 iterations; for rnn and for lstm.
Prints the median seconds over several runs. For scale (from the issue): the
same workload in PyTorch 2.13 on the CPU of these 2-core machines took about
2.1 s (rnn) and 3.0 s (lstm); a typical student numpy solution 5.0 s and 15.0 s.

    .venv/bin/python benchmarks/reference_speed.py [--runs 3] [--package DIR]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PYTORCH_SECONDS = {"rnn": 2.1, "lstm": 3.0}
TYPICAL_STUDENT_SECONDS = {"rnn": 5.0, "lstm": 15.0}


def synthetic_minibatches(V, N, T_caption, D, iterations, seed=0):
    rng = np.random.RandomState(seed)
    features = rng.randn(iterations, N, D).astype(np.float32)
    captions = rng.randint(3, V, size=(iterations, N, T_caption)).astype(np.int32)
    captions[:, :, 0] = 1                       # <START>
    return features, captions


def time_training(cell_type, iterations=100, N=25, T=16, D=512, W=256, H=512, V=1004):
    from captioning import optim
    from captioning.classifiers.rnn import CaptioningRNN

    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2}
    word_to_idx.update({"w%d" % i: i for i in range(3, V)})
    np.random.seed(231)
    model = CaptioningRNN(word_to_idx, input_dim=D, wordvec_dim=W, hidden_dim=H,
                          cell_type=cell_type, dtype=np.float32)
    configs = {name: {"learning_rate": 5e-3} for name in model.params}
    features, captions = synthetic_minibatches(V, N, T + 1, D, iterations)
    start = time.perf_counter()
    for it in range(iterations):
        loss, grads = model.loss(features[it], captions[it])
        for name in model.params:
            model.params[name], configs[name] = optim.adam(model.params[name], grads[name], configs[name])
    elapsed = time.perf_counter() - start
    assert all(p.dtype == np.float32 for p in model.params.values()), "a parameter left float32"
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--package", default=str(ROOT / "source" / "rnn_captioning"),
                        help="folder holding the `captioning` package to time")
    args = parser.parse_args()
    sys.path.insert(0, args.package)
    print("%-5s %12s %12s %10s %14s" % ("cell", "median s", "PyTorch s", "ratio", "typical student"))
    for cell in ("rnn", "lstm"):
        times = [time_training(cell) for _ in range(args.runs)]
        median = statistics.median(times)
        print("%-5s %12.2f %12.1f %9.2fx %14.1f" % (
            cell, median, PYTORCH_SECONDS[cell], median / PYTORCH_SECONDS[cell],
            TYPICAL_STUDENT_SECONDS[cell]))


if __name__ == "__main__":
    main()

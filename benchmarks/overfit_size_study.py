"""Could the hidden overfit check train a smaller model than the notebook's?

    .venv/bin/python benchmarks/overfit_size_study.py [--seeds 8]

For each candidate size it trains the reference on the notebook's 50 captions
(loss recomputed in float64 on all of them, as the check does) over several
training seeds, and three corpus variants whose overfit verdicts sit closest
to the threshold: b08 (no mask: must FAIL), b22 (no bias: must PASS) and b31
(W_embed gradient zero: must PASS). A size is usable only if one threshold
separates them with room to spare; the notebook's own size is the baseline.
"""
import argparse
import importlib
import importlib.util
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.assignment import load  # noqa: E402

SIZES = [  # (H, W, epochs, learning rate, rnn decay, lstm decay)
    (512, 256, 50, 5e-3, 0.95, 0.995),     # the notebook's
    (256, 128, 50, 5e-3, 0.95, 0.995),
    (128, 64, 150, 1e-2, 0.98, 0.99),
]
PROBES = {"b08_no_mask": "fail", "b22_step_no_bias_ecf": "pass", "b31_W_embed_gradient_zero": "pass"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    task = load()
    ref = task.reference()
    solver_class = ref.module("captioning_solver").CaptioningSolver
    reference_model = ref.module("classifiers.rnn").CaptioningRNN
    np.random.seed(231)
    data = ref.module("coco_utils").load_coco_data(base_dir=str(task.data_dir), max_train=50)
    features = data["train_features"][data["train_image_idxs"]]
    corpus = task.folder / "grading" / "corpus"
    spec = importlib.util.spec_from_file_location("_study_materialize", corpus / "materialize.py")
    materialize = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(materialize)
    work = Path(tempfile.mkdtemp(prefix="overfit-study-"))
    models = {}
    for name in PROBES:
        folder = materialize.materialize(materialize.find_variant_file(corpus, name), ROOT / "release" / task.id,
                                         work / name)
        package = "_study_" + name
        spec = importlib.util.spec_from_file_location(package, folder / "captioning" / "__init__.py",
                                                      submodule_search_locations=[str(folder / "captioning")])
        module = importlib.util.module_from_spec(spec)
        sys.modules[package] = module
        spec.loader.exec_module(module)
        models[name] = importlib.import_module(package + ".classifiers.rnn").CaptioningRNN

    def train(model_class, cell, size, seed):
        H, W, epochs, lr, rnn_decay, lstm_decay = size
        np.random.seed(seed)
        model = model_class(data["word_to_idx"], input_dim=features.shape[1], hidden_dim=H, wordvec_dim=W,
                            cell_type=sys.intern(cell), dtype=np.float32)
        solver = solver_class(model, data, update_rule="adam", num_epochs=epochs, batch_size=25,
                              optim_config={"learning_rate": lr}, lr_decay=rnn_decay if cell == "rnn" else lstm_decay,
                              verbose=False)
        started = time.monotonic()
        solver.train()
        check = reference_model(data["word_to_idx"], input_dim=features.shape[1], hidden_dim=H, wordvec_dim=W,
                                cell_type=cell, dtype=np.float64)
        check.params = {k: np.asarray(v, dtype=np.float64) for k, v in model.params.items()}
        return float(check.loss(features, data["train_captions"])[0]), time.monotonic() - started

    print("| size (H, W, epochs, lr) | cell | reference: max over %d seeds (median time) | %s |"
          % (args.seeds, " | ".join("%s (must %s)" % (n.split("_", 1)[0], v) for n, v in PROBES.items())))
    print("| --- | --- | --- | %s |" % " | ".join("---" for _ in PROBES))
    for size in SIZES:
        for cell in ("rnn",):
            runs = [train(reference_model, cell, size, seed) for seed in range(args.seeds)]
            probes = [train(models[name], cell, size, 0)[0] for name in PROBES]
            print("| %s | %s | %.3f (%.1f s) | %s |" % (size[:4], cell, max(r[0] for r in runs),
                                                        statistics.median(r[1] for r in runs),
                                                        " | ".join("%.3f" % p for p in probes)))


if __name__ == "__main__":
    main()

"""Could the hidden overfit check train a smaller model than the notebook's?

    .venv/bin/python benchmarks/overfit_size_study.py --cell lstm [--seeds 8] [--jobs 2] [--variants all]

For each candidate size it trains the reference over several training seeds,
and corpus variants at the check's own seed; every loss is recomputed by the
reference model in float64 on all 50 captions, as the check does. A size is
usable only if one threshold passes every correct variant and the reference
over all seeds, and fails every bug that declares this cell's overfit part,
with room on both sides. The notebook's own size is the baseline.

--variants probes (the default) trains the variants closest to the threshold;
--variants all trains the whole corpus (a few minutes at the small sizes);
--variants mutants trains every mutant at the notebook's size and at --sizes.

Found (2 cores, one BLAS thread per run): the LSTM at H128-W128-e75 keeps every
corpus verdict (highest passing 0.344, lowest failing 2.644; the reference's
worst of 100 training seeds 0.136) in about a sixth of the notebook run's time.

The RNN on the notebook's captions cannot shrink: b08 (no mask) then trains as
well as correct code (gap at most 1.9x at any smaller size or shorter schedule
tried, 2.1x at the notebook's settings, where the reference's worst of 100
training seeds is 0.104 against the threshold 0.1 and b08 is 0.217). The
missing mask costs b08 only through the <NULL> steps, so the grader's RNN run
trains on short captions (at most 10 tokens, one per image) padded to 33
tokens: a correct loss ignores the padding (its losses are identical with the
captions cut to 17 tokens), b08's grows with it. At short33-H192-W128-e75 b08
is at 2.7-5.1 over four draws of the captions (3.06 at the check's), and every
corpus verdict holds with the threshold 0.25: highest passing 0.097 (b31),
lowest failing 0.532 (b06, no time accumulation, which trains slowly at every
size: 0.451 at the notebook's); every mutant keeps its verdict. c35, the
slowest correct variant, trains in 8.6 s instead of 19.6 s.

Since a mistake is charged once, in its own part, the training parts no
longer have to hold back a loss without the mask (the loss checks charge
it), so both runs train on the same short captions, not padded: 9 steps
instead of 32 (RNN) and 16 (LSTM). A correct RNN's loss is the same as with
the padding. LSTM at short10-H128-W128-e75: the reference's worst of 20
training seeds 0.033 against the threshold 1; every correct variant
0.028-0.037; only the bugs that declare the part (no loss, no lstm_backward,
an import that fails) fail it; the others are left to the retries. The
grader's runs also stop once the loss on all captions is below half the
threshold (the reference gets there at iteration 50-60 of 150); this study
trains every size to the end.
"""
import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")     # before numpy: one BLAS thread per run, as in the sandbox
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.assignment import load  # noqa: E402

SIZES = {  # name: (H, W, epochs, learning rate, lr decay or None for the cell's own[, captions selection])
    "notebook": (512, 256, 50, 5e-3, None),
    "H256": (256, 128, 50, 5e-3, None),
    "H256-W256": (256, 256, 50, 5e-3, None),
    "H128": (128, 64, 50, 1e-2, None),
    "H128-e75": (128, 64, 75, 1e-2, None),
    "H128-W128-e75": (128, 128, 75, 1e-2, None),        # the grader's LSTM run (GRADED_OVERFIT_SETTINGS)
    "H128-W128-e100": (128, 128, 100, 1e-2, None),
    "H96-e100": (96, 64, 100, 1e-2, None),
    "H64": (64, 64, 50, 1e-2, None),
    "lr1e-2": (512, 256, 50, 1e-2, None),
    "e75-d97": (512, 256, 75, 5e-3, 0.97),
    "e50-d98": (512, 256, 50, 5e-3, 0.98),
    "H256-W256-e75-d97": (256, 256, 75, 1e-2, 0.97),
    # 50 captions of at most 10 tokens, one per image, padded with <NULL> to 17, 33 or 49 tokens
    "short-H256-W256": (256, 256, 50, 5e-3, 0.95, dict(max_tokens=10, length=17)),
    "short-H128-W128-e75": (128, 128, 75, 1e-2, 0.95, dict(max_tokens=10, length=17)),
    "short33-H128-W128-e75": (128, 128, 75, 1e-2, 0.95, dict(max_tokens=10, length=33)),
    "short49-H128-W128-e75": (128, 128, 75, 1e-2, 0.95, dict(max_tokens=10, length=49)),
    "short49-H128-W128-e75-d98": (128, 128, 75, 1e-2, 0.98, dict(max_tokens=10, length=49)),
    "short49-H192-W128-e75": (192, 128, 75, 1e-2, 0.95, dict(max_tokens=10, length=49)),
    "short33-H192-W128-e75": (192, 128, 75, 1e-2, 0.95, dict(max_tokens=10, length=33)),
    # the same captions, not padded: 9 steps
    "short10-H192-W128-e75": (192, 128, 75, 1e-2, 0.95, dict(max_tokens=10, length=10)),
    "short10-H128-W128-e75": (128, 128, 75, 1e-2, 0.995, dict(max_tokens=10, length=10)),
}
PROBES = {
    "rnn": ["b08_no_mask", "b22_step_no_bias_ecf", "b31_W_embed_gradient_zero"],
    "lstm": ["b39_lstm_weights_last_step_only", "b37_lstm_tanh_derivative", "b31_W_embed_gradient_zero",
             "b25_dprev_c_no_forget_gate", "b08_no_mask"],
}


def corpus_module(task, name="materialize"):
    path = task.folder / "grading" / "quality" / "corpus" / (name + ".py")
    spec = importlib.util.spec_from_file_location("_study_" + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def small_data(task, ref, captions=None):
    """The notebook's 50 captions, or those of a `captions` selection (public_checks.overfit_training_set)."""
    settings = dict(ref.module("check_data").OVERFIT_SETTINGS["rnn"], captions=captions)
    return ref.module("public_checks").overfit_training_set(settings, str(task.data_dir))


def load_package(task, folder, package):
    """The CaptioningRNN of the package in `folder`, imported under another name."""
    _, model, errors = corpus_module(task, "check_corpus").import_package(folder, package)
    if model is None:
        raise ImportError(errors["model"])
    return model


def train_one(job):
    """(variant name or None for the reference, cell, size, seed) -> (loss, seconds, error)."""
    name, cell, size, seed = job
    warnings.simplefilter("ignore")
    task = load()
    ref = task.reference()
    H, W, epochs, lr, size_decay, captions = (tuple(size) + (None,))[:6]
    data = small_data(task, ref, captions)
    features = data["train_features"]
    solver_class = ref.module("captioning_solver").CaptioningSolver
    reference_model = ref.module("classifiers.rnn").CaptioningRNN
    decay = ref.module("check_data").OVERFIT_SETTINGS[cell]["solver"]["lr_decay"]
    try:
        model_class = reference_model
        if name is not None and name.startswith("mutant:"):
            mutants = task.grading_module("quality.mutants")
            folder = Path(tempfile.mkdtemp(prefix="overfit-study-")) / task.id
            mutants.make_mutant(ROOT / "solutions" / task.id, folder, name[len("mutant:"):])
            model_class = load_package(task, folder / task.package, "_study_" + name[len("mutant:"):])
        elif name is not None:
            materialize = corpus_module(task)
            folder = materialize.materialize(materialize.find_variant_file(task.folder / "grading" / "quality" / "corpus", name),
                                             ROOT / "release" / task.id,
                                             Path(tempfile.mkdtemp(prefix="overfit-study-")) / name)
            model_class = load_package(task, folder / task.package, "_study_" + name)
        np.random.seed(seed)
        model = model_class(data["word_to_idx"], input_dim=features.shape[1], hidden_dim=H, wordvec_dim=W,
                            cell_type=sys.intern(cell), dtype=np.float32)
        solver = solver_class(model, data, update_rule="adam", num_epochs=epochs, batch_size=25,
                              optim_config={"learning_rate": lr}, lr_decay=size_decay or decay, verbose=False)
        started = time.monotonic()
        solver.train()
        seconds = time.monotonic() - started
        check = reference_model(data["word_to_idx"], input_dim=features.shape[1], hidden_dim=H, wordvec_dim=W,
                                cell_type=cell, dtype=np.float64)
        check.params = {k: np.asarray(v, dtype=np.float64) for k, v in model.params.items()}
        loss = ref.module("public_checks").training_set_loss(check, data)
        return (loss if np.isfinite(loss) else float("inf")), seconds, None
    except BaseException as exc:  # a bug that cannot train fails the check anyway
        return float("inf"), 0.0, "%s: %s" % (type(exc).__name__, str(exc)[:80])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", choices=("rnn", "lstm"), default="lstm")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=1.0, help="the smaller sizes' threshold (mutants)")
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--variants", choices=("probes", "all", "mutants"), default="probes",
                        help="mutants: every mutant of the grading package, at the notebook's size and at "
                             "each --sizes, with the verdict of each size's threshold")
    args = parser.parse_args(argv)
    task = load()
    if args.variants == "mutants":
        return mutant_verdicts(task, args)
    materialize = corpus_module(task)
    corpus = materialize.all_variants(task.folder / "grading" / "quality" / "corpus")
    part = "overfit_" + args.cell
    must_fail = {v.name for v in corpus if v.kind == "bug" and part in v.loses}
    names = [v.name for v in corpus] if args.variants == "all" else PROBES[args.cell]
    seed = load().reference().module("check_data").OVERFIT_SETTINGS[args.cell]["seed"]
    with ProcessPoolExecutor(args.jobs) as pool:
        for size_name in args.sizes:
            size = SIZES[size_name]
            refs = list(pool.map(train_one, [(None, args.cell, size, s) for s in range(args.seeds)]))
            variants = dict(zip(names, pool.map(train_one, [(n, args.cell, size, seed) for n in names])))
            passing = [r[0] for r in refs] + [variants[n][0] for n in names if n not in must_fail]
            failing = [variants[n][0] for n in names if n in must_fail]
            highest_pass, lowest_fail = max(passing), min(failing or [float("inf")])
            print("\n## %s %s, %s: reference max %.3f over %d seeds (median %.2f s); "
                  "highest passing %.3f, lowest failing %.3f, gap %.1fx"
                  % (args.cell, size_name, size, max(r[0] for r in refs), args.seeds,
                     statistics.median(r[1] for r in refs), highest_pass, lowest_fail, lowest_fail / highest_pass))
            print("  reference, highest five of %d training seeds: %s" % (
                args.seeds, ", ".join("%.3f" % r[0] for r in sorted(refs, key=lambda r: -r[0])[:5])))
            for n in names:
                loss, seconds, error = variants[n]
                print("  %-45s %-5s %8.3f %6.2f s %s" % (n, "FAIL" if n in must_fail else "pass", loss, seconds,
                                                       error or ""))
            sys.stdout.flush()


def mutant_verdicts(task, args):
    """Each mutant's overfit verdict at the notebook's settings and at each size (its threshold given)."""
    check_data = task.reference().module("check_data")
    names = ["mutant:" + m.name for m in task.grading_module("quality.mutants").MUTANTS if m.policy is None]
    seed = check_data.OVERFIT_SETTINGS[args.cell]["seed"]
    sizes = ["notebook"] + [s for s in args.sizes if s != "notebook"]
    with ProcessPoolExecutor(args.jobs) as pool:
        losses = {size: list(pool.map(train_one, [(n, args.cell, SIZES[size], seed) for n in names]))
                  for size in sizes}
    print("| mutant | %s |" % " | ".join("%s (threshold %g)" % (s, args.threshold if s != "notebook" else
                                        check_data.OVERFIT_SETTINGS[args.cell]["threshold"]) for s in sizes))
    print("| --- | %s |" % " | ".join("---" for _ in sizes))
    changed = 0
    for i, name in enumerate(names):
        cells, verdicts = [], []
        for size in sizes:
            threshold = args.threshold if size != "notebook" else check_data.OVERFIT_SETTINGS[args.cell]["threshold"]
            loss = losses[size][i][0]
            verdicts.append(loss < threshold)
            cells.append("%.3f %s" % (loss, "pass" if loss < threshold else "FAIL"))
        changed += len(set(verdicts)) > 1
        print("| %s | %s |" % (name[len("mutant:"):], " | ".join(cells)))
    print("\nmutants whose verdict differs between the sizes: %d of %d" % (changed, len(names)))


if __name__ == "__main__":
    main()

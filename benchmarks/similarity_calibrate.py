"""Calibrate the similarity threshold: independent solutions versus disguised copies.

    .venv/bin/python benchmarks/similarity_calibrate.py [--corpus DIR] [--threshold X]

Independent solutions: every correct variant of the corpus (DIR/correct/*.py,
materialized onto release/ with the corpus's own materialize.py; default DIR
is source/rnn_captioning/grading/quality/corpus), the test fixtures
(tests/similarity_fixtures/independent) and the kit's solution. Prints the
highest scores between any two of them.

Disguised copies: every independent solution disguised by each kind of the
assignment's grading/quality/similarity_disguise.py and by all of them at once;
prints, per kind, how many copies score at or above the threshold against their original, and the lowest
such score. The threshold's margin is the gap between the two.
"""
import argparse
import importlib.util
import itertools
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.assignment import load  # noqa: E402
from similarity import THRESHOLD  # noqa: E402
from similarity import fingerprints as fp  # noqa: E402
from similarity.run import common_documents, prepare  # noqa: E402

disguise = load().grading_module("quality.similarity_disguise")
RELEASE = ROOT / "release" / "rnn_captioning"
SOLUTIONS = ROOT / "solutions" / "rnn_captioning"
FIXTURES = ROOT / "tests" / "similarity_fixtures" / "independent"
DEFAULT_CORPUS = ROOT / "source" / "rnn_captioning" / "grading" / "quality" / "corpus"


def materialize_corpus(corpus, dest):
    spec = importlib.util.spec_from_file_location("corpus_materialize", corpus / "materialize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folders = {}
    for variant in sorted((corpus / "correct").glob("*.py")):
        folders["corpus:" + variant.stem] = module.materialize(variant, RELEASE, dest / variant.stem)
    return folders


def fixture_folders(dest):
    import shutil
    folders = {"kit:solution": SOLUTIONS}
    for fixture in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        target = dest / ("fixture_" + fixture.name)
        shutil.copytree(RELEASE, target, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
        for relative in ("captioning/rnn_layers.py", "captioning/classifiers/rnn.py"):
            shutil.copyfile(fixture / relative, target / relative)
        folders["fixture:" + fixture.name] = target
    return folders


def baseline_prints(items):
    """copydetect as shipped: CodeFingerprint on the raw graded files (joined), pygments filter on,
    the release's two files as boilerplate, k=25, window 6 (its defaults)."""
    import io
    from copydetect import CodeFingerprint
    files = ("captioning/rnn_layers.py", "captioning/classifiers/rnn.py")
    release_text = "\n".join((RELEASE / f).read_text() for f in files)
    boilerplate = CodeFingerprint("release.py", 25, 1, fp=io.StringIO(release_text)).hashes
    import numpy as np
    boilerplate = np.unique(np.array(list(boilerplate), dtype=np.int64))
    prints = {}
    for key, folder in items:
        text = "\n".join((Path(folder) / f).read_text() for f in files)
        prints[key] = CodeFingerprint("submission.py", 25, 6, boilerplate, fp=io.StringIO(text))
    return prints


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--baseline", action="store_true",
                        help="measure copydetect on its own instead: the two graded files as written, its "
                             "pygments filter (every name becomes V), the release files as boilerplate, "
                             "its default k-grams (25/30)")
    parser.add_argument("--noise", type=int, default=fp.NOISE, help="k-gram length (characters)")
    parser.add_argument("--guarantee", type=int, default=fp.GUARANTEE, help="matches this long are always found")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folders = fixture_folders(tmp)
        if (args.corpus / "correct").is_dir():
            folders.update(materialize_corpus(args.corpus, tmp / "corpus"))
        else:
            print("no corpus at %s: fixtures and the solution only" % args.corpus)
        kinds = [[k] for k in disguise.KINDS] + [list(disguise.KINDS)]
        copies = {}
        for name, folder in folders.items():
            for number, kind in enumerate(kinds):
                label = kind[0] if len(kind) == 1 else "all"
                target = tmp / "copies" / ("%s__%s" % (name.replace(":", "_"), label))
                disguise.disguise_folder(folder, target, kind, seed=number)
                copies[(name, label)] = target
        prints = {}
        if args.baseline:
            prints = baseline_prints(list(folders.items()) + list(copies.items()))
        else:
            boilerplate = fp.boilerplate_hashes(common_documents(), noise=args.noise)
            for key, folder in list(folders.items()) + list(copies.items()):
                prepared = prepare(folder, str(key))
                prints[key] = fp.fingerprint(prepared.doc, str(key), boilerplate, args.noise, args.guarantee)

        def score(a, b):
            match = fp.compare(prints[a], prints[b])
            if args.baseline:       # copydetect's own similarity, the larger side
                return max(match.fraction_a, match.fraction_b) if match else 0.0
            return max(fp.share(match.matched_a, prints[a]), fp.share(match.matched_b, prints[b])) if match else 0.0

        independent = sorted(((score(a, b), a, b) for a, b in itertools.combinations(folders, 2)), reverse=True)
        print("%d independent solutions (%d pairs); highest scores:" % (len(folders), len(independent)))
        for value, a, b in independent[:8]:
            print("  %.3f  %s ~ %s" % (value, a, b))
        highest = independent[0][0]
        values = sorted(v for v, _, _ in independent)
        print("  median %.3f, 95th percentile %.3f, 99th percentile %.3f" % (
            values[len(values) // 2], values[int(0.95 * len(values))], values[int(0.99 * len(values))]))
        print("\ndisguised copies against their original, threshold %.2f:" % args.threshold)
        lowest = 1.0
        for kind in [k[0] for k in kinds[:-1]] + ["all"]:
            values = [score(name, (name, kind)) for name in folders]
            caught = sum(v >= args.threshold for v in values)
            lowest = min(lowest, min(values))
            order = sorted(range(len(values)), key=values.__getitem__)[:3]
            print("  %-15s %3d/%d flagged (%5.1f%%); lowest: %s" % (
                kind, caught, len(values), 100.0 * caught / len(values),
                ", ".join("%.3f %s" % (values[i], list(folders)[i]) for i in order)))
        print("\nhighest independent %.3f, lowest disguised copy %.3f, threshold %.2f: margin %.3f above "
              "the independent, %.3f below the copies" % (highest, lowest, args.threshold,
                                                         args.threshold - highest, lowest - args.threshold))
        print("(%.0f s)" % (time.perf_counter() - started))


if __name__ == "__main__":
    main()

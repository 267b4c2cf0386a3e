"""Time and memory of `python -m similarity` on a large synthetic batch.

    .venv/bin/python benchmarks/similarity_scale.py [--n 500] [--seed 0] [--keep DIR]

Generates N submissions from a few base solutions (the kit's solution, the
independent fixtures, the common-code solutions): each takes a base, half of
them swap 1 to 4 graded functions for another base's (mixtures), then a
random set of disguises (renamed variables, comments stripped or added,
statements reordered, one function rewritten); 10% are zipped, 1% are broken
(empty files, a syntax error). Then runs run_similarity on the batch, with the
default workers (2 processes for reading), and prints the wall time of each
phase and the peak resident memory of the main process and of the workers.
"""
import argparse
import ast
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.assignment import load  # noqa: E402
from similarity import run_similarity  # noqa: E402
from similarity.release import function_table, load_release  # noqa: E402
from similarity.subject import current  # noqa: E402

disguise = load().grading_module("quality.similarity_disguise")
LAYERS, MODEL, RELEASE_PATHS = disguise.LAYERS, disguise.MODEL, disguise.RELEASE_PATHS

RELEASE = ROOT / "release" / "rnn_captioning"


def bases():
    folders = [ROOT / "solutions" / "rnn_captioning"]
    folders += sorted(p for p in (ROOT / "tests" / "similarity_fixtures" / "independent").iterdir() if p.is_dir())
    folders += sorted(p for p in current().baseline_dir.iterdir() if p.is_dir())
    return {f.name: {role: (f / RELEASE_PATHS[role]).read_text() for role in (LAYERS, MODEL)} for f in folders}


def function_source(text, name):
    node = function_table(ast.parse(text)).get(name)
    if node is None:
        return None
    source = "\n".join(text.splitlines()[node.lineno - 1:node.end_lineno]) + "\n"
    return source


def make_submission(rng, sources, number):
    names = sorted(sources)
    base = rng.choice(names)
    texts = dict(sources[base])
    if rng.random() < 0.5:
        donor = sources[rng.choice([n for n in names if n != base])]
        graded = [(role, name) for role in (LAYERS, MODEL) for name in load_release()[role].graded]
        for role, name in rng.sample(graded, rng.randint(1, 4)):
            source = function_source(donor[role], name)
            if source is not None:
                import textwrap
                texts[role] = disguise.replace_function(texts[role], name, textwrap.dedent(source))
    kinds = [k for k in ("rename", "strip_comments", "add_comments", "reorder", "replace_one") if rng.random() < 0.4]
    for role in (LAYERS, MODEL):
        texts[role] = disguise.disguise_text(texts[role], role, kinds, seed=number)
    return texts


def write_batch(folder, n, seed):
    rng = random.Random(seed)
    sources = bases()
    template = Path(tempfile.mkdtemp()) / "template"
    shutil.copytree(RELEASE, template, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__", "datasets"))
    for number in range(n):
        name = "student%03d" % number
        texts = make_submission(rng, sources, number)
        roll = rng.random()
        if roll < 0.01:
            texts[LAYERS] = "" if number % 2 else texts[LAYERS].replace("):\n", ")\n", 3)
        target = folder / name
        shutil.copytree(template, target)
        for role in (LAYERS, MODEL):
            (target / RELEASE_PATHS[role]).write_text(texts[role])
        if 0.01 <= roll < 0.11:
            with zipfile.ZipFile(folder / (name + ".zip"), "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(target.rglob("*")):
                    if path.is_file():
                        archive.write(path, str(Path("rnn_captioning") / path.relative_to(target)))
            shutil.rmtree(target)
    shutil.rmtree(template.parent)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="write the batch and reports here instead of a temp folder")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="similarity_scale_"))
    folder, out = root / "batch", root / "out"
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    write_batch(folder, args.n, args.seed)
    generated = time.perf_counter() - t
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    result = run_similarity(folder, out, progress=True)
    wall = time.perf_counter() - t
    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("%d submissions generated in %.1f s (%s)" % (args.n, generated, folder))
    print("run_similarity: %.1f s wall (%s)" % (wall, ", ".join(
        "%s %.1f s" % (k[:-2].replace("_", " "), v) for k, v in result.timings.items() if k != "total_s")))
    print("pairs compared: %d; flagged: %d; listed in similarity.csv: %d; problems: %d" % (
        result.n_pairs, result.n_flagged, len(result.pairs), len(result.problems)))
    print("peak RSS: main process %.0f MB (%.0f MB before the run), largest worker %.0f MB" % (
        main_rss / 1024, rss_before / 1024, worker_rss / 1024))
    print("machine: %d cores, load average during the run %.1f (other work on the machine slows every figure)"
          % (os.cpu_count() or 0, os.getloadavg()[1]))
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()

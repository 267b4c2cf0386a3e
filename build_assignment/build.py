"""The build as a whole: every step in order (`build`), and the comparison of a
fresh build with the committed copies (`check`)."""
import multiprocessing
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import nbformat

from autograder.assignment import load

from .compare import difference_report, executed_problems, same_executed_notebook
from .execute import execute_notebook
from .generated import write_generated_files
from .manifest import stamp_notebooks
from .paths import ASSIGNMENT, EMBEDDED_DATA, ROOT, SOURCE_DIR, release_dir, solutions_dir
from .release import build_release
from .rubric import sync_points
from .solutions import build_solutions


def log(message):
    print("[build] " + message, flush=True)


def execute_all(notebooks, jobs):
    """Execute the notebooks, `jobs` at a time, each in its own kernel; yields (path, seconds)."""
    if jobs <= 1 or len(notebooks) <= 1:
        for path in notebooks:
            yield path, execute_notebook(path)
        return
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [(path, pool.submit(execute_notebook, path)) for path in notebooks]
        for path, future in futures:
            yield path, future.result()


def build(out_root, execute=True, jobs=1):
    out_root = os.path.abspath(out_root)
    timings = {}
    start = time.perf_counter()

    for notebook, part, old, new in sync_points():
        log("points of %s in %s.ipynb: %s -> %s" % (part, notebook, old, new))
    for relative in write_generated_files():
        log("%s written from the hidden side" % relative)

    t = time.perf_counter()
    task = load(SOURCE_DIR)
    build_release(out_root)
    timings["release"] = time.perf_counter() - t
    log("release/ written in %.1f s" % timings["release"])

    previous = tempfile.mkdtemp(prefix="kit-previous-")
    try:
        old_dest = solutions_dir(out_root)
        if os.path.isdir(old_dest):
            shutil.copytree(old_dest, os.path.join(previous, "s"))
        t = time.perf_counter()
        notebooks = build_solutions(out_root)
        stamp_notebooks(solutions_dir(out_root), task)
        timings["solutions files"] = time.perf_counter() - t
        if execute:
            if not os.path.isdir(EMBEDDED_DATA):
                raise SystemExit("the embedded dataset is missing at %s: run `make data` first"
                                 % EMBEDDED_DATA)
            t = time.perf_counter()
            for path, seconds in execute_all(notebooks, jobs):
                name = os.path.basename(path)
                timings["execute " + name] = seconds
                log("%s executed in %.1f s" % (name, seconds))
                problems = executed_problems(nbformat.read(path, as_version=4))
                if problems:
                    raise SystemExit("%s:\n  %s" % (name, "\n  ".join(problems)))
                kept = os.path.join(previous, "s", os.path.relpath(path, old_dest))
                if os.path.exists(kept) and same_executed_notebook(path, kept):
                    shutil.copyfile(kept, path)   # equivalent: keep the committed bytes
            timings["execute (wall)"] = time.perf_counter() - t
    finally:
        shutil.rmtree(previous, ignore_errors=True)

    timings["total"] = time.perf_counter() - start
    log("done in %.1f s (%s)" % (timings["total"], ", ".join(
        "%s %.1f s" % (k, v) for k, v in timings.items() if k != "total")))
    return timings


def report_against(built_root, committed_root=ROOT):
    """(lines saying what differs and how, number of files that differ) between two roots."""
    lines = difference_report([
        ("release/" + ASSIGNMENT, release_dir(built_root), release_dir(committed_root), False),
        ("solutions/" + ASSIGNMENT, solutions_dir(built_root), solutions_dir(committed_root), True)])
    return lines, sum(not line.startswith(" ") for line in lines)


def check(committed_root=ROOT):
    """Build into a temporary root and report the differences with the committed copies."""
    with tempfile.TemporaryDirectory(prefix="kit-build-") as tmp:
        build(tmp)
        return report_against(tmp, committed_root)

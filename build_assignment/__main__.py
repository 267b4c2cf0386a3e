"""Command line of the build; see the package docstring."""
import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import nbformat

from uploads.wording import counted, installed_command

from .compare import difference_report, executed_problems, same_executed_notebook
from .execute import execute_notebook
from .generated import write_generated_files
from .paths import ASSIGNMENT, EMBEDDED_DATA, ROOT, release_dir, solutions_dir
from .release import build_release
from .rubric import sync_points
from .solutions import build_solutions


EPILOG = """\
examples:
  %(prog)s                   # rebuild release/ and solutions/ in the repo
  %(prog)s --out DIR         # build into DIR/release, DIR/solutions
  %(prog)s --check           # build into a temporary folder, compare with the committed copies
  %(prog)s --jobs 2          # execute the two solutions notebooks side by side

Needs `make data` first (the solutions notebooks run on the embedded dataset).

exit status:
  0  built; with --check: the committed release/ and solutions/ are up to date
  1  with --check: some files differ from the committed ones (each listed);
     or the build failed: the embedded dataset is missing, a solutions notebook
     raised, or source/ has a problem (points not matching rubric.json, an
     unclosed solution region): the reason on stderr
  2  bad arguments
"""


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


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=installed_command("build_assignment.__main__:main", fallback="python -m build_assignment"),
        description="Build the student release and the solutions from source/.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=ROOT, help="root to build into (default: the repo)")
    parser.add_argument("--no-execute", action="store_true",
                        help="skip running the solutions notebooks (quick, for debugging only)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebooks executed at the same time (default 1)")
    parser.add_argument("--check", action="store_true",
                        help="build into a temp dir and compare with the committed release/ and solutions/")
    args = parser.parse_args(argv)
    if args.check:
        lines, count = check()
        for line in lines:
            print(line)
        print("build is up to date" if not count else "%s out of date: run `make build`" % counted(count, "file"))
        return 1 if count else 0
    build(args.out, execute=not args.no_execute, jobs=args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

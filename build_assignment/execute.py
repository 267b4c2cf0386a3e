"""Run a notebook top to bottom in a real Jupyter kernel and keep its outputs.

The kernel is the registered `python3` kernel (the .venv's, installed by the
Makefile with `ipykernel install --sys-prefix`), started in the notebook's own
folder so that `import captioning` finds the package beside it, with the
assignment's data variable (e.g. CAPTIONING_DATA) pointing at the embedded
dataset. Volatile metadata (timings, the interpreter's exact version in
language_info) is dropped, so that only the outputs themselves can vary
between builds.
"""
import contextlib
import os
import time

import nbformat
from nbclient import NotebookClient

from .paths import DATA_ENVIRONMENT, EMBEDDED_DATA

CELL_TIMEOUT = 900   # seconds per cell; the slowest (a training) takes far less


@contextlib.contextmanager
def kernel_environment(data_dir):
    """The kernel inherits this process's environment: pin what it sees."""
    wanted = {DATA_ENVIRONMENT: data_dir, "PYTHONHASHSEED": "0", "MPLBACKEND": "agg",
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def strip_volatile(nb, original_metadata):
    nb.metadata = nbformat.from_dict(original_metadata)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
    return nb


def execute_notebook(path, data_dir=EMBEDDED_DATA, timeout=CELL_TIMEOUT):
    """Execute `path` in place; returns the wall-clock seconds it took."""
    nb = nbformat.read(path, as_version=4)
    metadata = dict(nb.metadata)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                            record_timing=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    start = time.perf_counter()
    with kernel_environment(data_dir):
        client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(strip_volatile(nb, metadata), path)
    return seconds

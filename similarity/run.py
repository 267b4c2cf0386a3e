"""run_similarity(): read a batch, build canonical documents, compare every pair, write the reports.

    result = run_similarity("submitted/", "out/similarity", reference="known_solutions/")
    result.flagged      # [Pair] at or above the threshold, highest first
    result.exit_code    # 0 nothing flagged, 1 pairs flagged (the CLI's status)
"""
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import fingerprints as fp
from .extract import extract
from .reading import find_references, find_submissions, read_submission
from .release import load_release
from .subject import current, use, using

THRESHOLD = 0.65
# Canonical code kept per submission; more is cut (a 2 MB file of generated code gives ~1 MB).
MAX_DOC_CHARS = 200_000
# Pairs written to similarity.csv: every pair at or above threshold * CSV_FLOOR, at least the
# top CSV_TOP, at most MAX_KEPT (the rest are counted in summary.md).
CSV_FLOOR = 0.5
CSV_TOP = 100
MAX_KEPT = 5_000


@dataclass
class Prepared:
    """One submission after reading, extraction and normalisation (picklable)."""
    name: str
    path: str
    reference: bool = False
    files: dict = field(default_factory=dict)     # role -> {"where", "size", "problem"}
    notes: list = field(default_factory=list)
    doc: fp.Document = None
    compared: bool = True                         # False when there was nothing to read
    texts: dict = None                            # role -> source text, kept for references only

    @property
    def status(self):
        if not self.compared:
            return "not compared"
        if self.doc is None or len(self.doc.text) < fp.NOISE:
            return "nothing to compare (the graded functions are the release's stubs)"
        return "compared"


@dataclass
class Pair:
    a: str
    b: str
    score: float
    fraction_a: float
    fraction_b: float
    flagged: bool
    reference: bool = False                       # b is a known solution
    regions_a: dict = field(default_factory=dict)   # role -> [(first, last)] original lines
    regions_b: dict = field(default_factory=dict)


@dataclass
class Result:
    out_dir: Path
    threshold: float
    submissions: list                             # [Prepared], batch first, then references
    pairs: list                                   # [Pair] kept for the reports, highest score first
    scores: np.ndarray                            # every pair's score (for the distribution)
    n_pairs: int
    timings: dict = field(default_factory=dict)
    not_listed: int = 0                           # pairs over the CSV floor beyond MAX_KEPT
    n_flagged: int = 0                            # all flagged pairs (result.flagged lists at most MAX_KEPT)
    clusters: list = field(default_factory=list)  # [[names]] linked by flagged pairs, largest first
    outputs: dict = field(default_factory=dict)   # what was written: name -> Path

    @property
    def flagged(self):
        return [p for p in self.pairs if p.flagged]

    @property
    def problems(self):
        return [s for s in self.submissions if s.notes or s.status != "compared"]

    @property
    def exit_code(self):
        return 1 if self.n_flagged else 0


# ------------------------------------------------------------ preparation
def prepare(path, name, reference=False, submission=None):
    """Prepared for one submission. Never raises for anything found in the submission."""
    release = load_release()
    if submission is None:
        submission = read_submission(path, name, reference)
    out = Prepared(name or submission.name, str(submission.path), reference, notes=list(submission.notes))
    if reference:
        out.texts = {role: f.text for role, f in submission.files.items() if f.text is not None}
    extracted = {}
    for role in current().roles:
        source = submission.files.get(role)
        out.files[role] = {"where": source.where, "size": source.size, "problem": source.problem}
        if source.problem:
            out.notes.append("%s: %s" % (role, source.problem))
        if source.text is None:
            continue
        try:
            ex = extract(source.text, role, release[role])
        except (RecursionError, MemoryError, ValueError) as exc:
            out.notes.append("%s: cannot be parsed (%s)" % (role, type(exc).__name__))
            continue
        out.notes += ["%s: %s" % (role, note) for note in ex.notes]
        extracted[role] = ex
    if not extracted:
        out.compared = False
        return out
    try:
        out.doc = fp.build_document(extracted, release)
    except (RecursionError, MemoryError) as exc:
        out.notes.append("the code is too deeply nested to normalise (%s)" % type(exc).__name__)
        out.doc = fp.Document()
    out.notes += out.doc.notes
    if len(out.doc.text) > MAX_DOC_CHARS:
        out.notes.append("only the first %d characters of canonical code were compared" % MAX_DOC_CHARS)
        out.doc.truncate(MAX_DOC_CHARS)
    return out


def _prepare_job(job):
    return prepare(*job)


def prepare_all(jobs, workers, progress, desc):
    """[Prepared] for [(path, name, reference)], in order, using worker processes when it pays."""
    from tqdm import tqdm
    bar = tqdm(total=len(jobs), desc=desc, unit="submission", disable=not progress, leave=False)
    results = []
    try:
        if workers > 1 and len(jobs) >= 8:
            with ProcessPoolExecutor(max_workers=workers, initializer=use, initargs=(current(),)) as pool:
                for prepared in pool.map(_prepare_job, jobs, chunksize=4):
                    results.append(prepared)
                    bar.update(1)
        else:
            for job in jobs:
                results.append(prepare(*job))
                bar.update(1)
    finally:
        bar.close()
    return results


def common_documents(subject=None):
    """Canonical documents of code everyone writes (boilerplate): the subject's
    baseline solutions and its release."""
    return _common_documents(subject or current())


@lru_cache(maxsize=2)
def _common_documents(subject):
    docs = []
    release = load_release(subject)
    baseline = sorted(p for p in subject.baseline_dir.iterdir() if p.is_dir()) if subject.baseline_dir.is_dir() else []
    for folder in baseline:
        prepared = prepare(folder, folder.name)
        if prepared.doc is not None:
            docs.append(prepared.doc)
    # The release itself, stubs and provided helpers included, is boilerplate too.
    docs.append(fp.release_document(release))
    return tuple(docs)


# -------------------------------------------------------------- comparing
_STATE = {}


def _init_compare(state):
    _STATE.update(state)


def _compare_rows(rows):
    """Compare batch submissions `rows` (positions in the batch) with every later one and the references.

    Returns (scores, [(score, Pair)] at or above the floor or among the best MAX_KEPT seen, dropped)."""
    import heapq
    prepared, prints = _STATE["prepared"], _STATE["prints"]
    batch, refs, threshold = _STATE["batch"], _STATE["refs"], _STATE["threshold"]
    floor = threshold * CSV_FLOOR
    scores, kept, dropped, edges = [], [], 0, []
    for position in rows:
        i = batch[position]
        for j in batch[position + 1:] + refs:
            match = fp.compare(prints[i], prints[j])
            if match is None:
                continue
            fraction_a, fraction_b = fp.share(match.matched_a, prints[i]), fp.share(match.matched_b, prints[j])
            score = max(fraction_a, fraction_b)
            scores.append(score)
            if score >= threshold:
                edges.append((i, j))
            if len(kept) >= MAX_KEPT and score <= kept[0][0]:
                dropped += score >= floor
                continue
            pair = Pair(prepared[i].name, prepared[j].name, round(score, 4), round(fraction_a, 4),
                        round(fraction_b, 4), score >= threshold, prepared[j].reference,
                        fp.regions(prepared[i].doc, match.slices_a), fp.regions(prepared[j].doc, match.slices_b))
            entry = (score, len(scores), pair)
            if len(kept) < MAX_KEPT:
                heapq.heappush(kept, entry)
            else:
                dropped += heapq.heapreplace(kept, entry)[0] >= floor
    return scores, [(score, pair) for score, _, pair in kept], dropped, edges


def _trim(kept, floor, slack=MAX_KEPT):
    """Keep the best MAX_KEPT of [(score, Pair)] in place once it holds slack more; returns how
    many pairs at or above floor were let go."""
    if len(kept) <= MAX_KEPT + slack:
        return 0
    kept.sort(key=lambda e: (-e[0], e[1].a, e[1].b))
    dropped = sum(1 for score, _ in kept[MAX_KEPT:] if score >= floor)
    del kept[MAX_KEPT:]
    return dropped


def clusters_of(edges, prepared):
    """Groups of submissions linked by flagged pairs (union-find), largest first."""
    parent = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in edges:
        parent[root(i)] = root(j)
    groups = {}
    for x in list(parent):
        groups.setdefault(root(x), []).append(prepared[x].name)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))


def compare_all(prepared, threshold, progress, workers=1):
    """(scores of every compared pair, [Pair] kept for the reports, number of pairs over the
    CSV floor not kept, flagged pairs as (i, j) indices into prepared).

    Each batch submission is compared with every later one and with every
    reference; rows are shared out to `workers` processes (fingerprints are
    deterministic, see fingerprints.stable_hashed_kgrams)."""
    from tqdm import tqdm
    boilerplate = fp.boilerplate_hashes(common_documents())
    prints = [fp.fingerprint(p.doc, p.name, boilerplate) if p.doc is not None else None for p in prepared]
    batch = [i for i, p in enumerate(prepared) if not p.reference]
    refs = [i for i, p in enumerate(prepared) if p.reference]
    state = {"prepared": prepared, "prints": prints, "batch": batch, "refs": refs, "threshold": threshold}
    floor = threshold * CSV_FLOOR
    # Rows get shorter down the triangle: deal them out in small interleaved chunks.
    chunks = [list(range(start, min(start + 8, len(batch)))) for start in range(0, len(batch), 8)]
    scores, kept, dropped, edges = [], [], 0, []
    bar = tqdm(total=len(batch), desc="comparing", unit="submission", disable=not progress, leave=False)
    try:
        if workers > 1 and len(batch) >= 40:
            with ProcessPoolExecutor(max_workers=workers, initializer=_init_compare, initargs=(state,)) as pool:
                for chunk, part in zip(chunks, pool.map(_compare_rows, chunks)):
                    scores += part[0]
                    kept += part[1]
                    dropped += part[2] + _trim(kept, floor)
                    edges += part[3]
                    bar.update(len(chunk))
        else:
            _init_compare(state)
            for chunk in chunks:
                part = _compare_rows(chunk)
                scores += part[0]
                kept += part[1]
                dropped += part[2] + _trim(kept, floor)
                edges += part[3]
                bar.update(len(chunk))
    finally:
        bar.close()
        _STATE.clear()
    kept.sort(key=lambda e: (-e[0], e[1].a, e[1].b))
    dropped += _trim(kept, floor, 0)
    ranked = [pair for _, pair in kept]
    keep = max(CSV_TOP, sum(1 for p in ranked if p.score >= floor))
    return np.array(scores, dtype=float), ranked[:keep], dropped, edges


# ------------------------------------------------------------------ entry
def run_similarity(folder, out_dir, reference=None, threshold=None, progress=True, workers=None, subject=None):
    """Compare the graded files of every submission in folder, pairwise and
    against the known solutions in reference; write similarity.csv,
    similarity.html, similarity.png and summary.md into out_dir.

    subject: the assignment compared (similarity.subject.for_assignment);
    default, the kit's one assignment.

    Student code is only read and parsed, never imported or run. Returns a Result."""
    with using(subject or current()):
        return _run(folder, out_dir, reference, threshold, progress, workers)


def _run(folder, out_dir, reference, threshold, progress, workers):
    from . import report
    started = time.perf_counter()
    folder, out_dir = Path(folder), Path(out_dir)
    threshold = THRESHOLD if threshold is None else float(threshold)
    workers = workers or min(2, os.cpu_count() or 1)
    if not folder.is_dir():
        raise FileNotFoundError("%s is not a folder" % folder)
    if reference is not None and not Path(reference).is_dir():
        raise FileNotFoundError("%s is not a folder" % reference)
    timings = {}
    found, skipped = find_submissions(folder, exclude=[out_dir])
    jobs = [(path, name, False) for name, path in found.items()]
    prepared = prepare_all(jobs, workers, progress, "reading")
    for name, reason in skipped:
        prepared.append(Prepared(name, str(folder / name), notes=[reason], compared=False))
    if reference is not None:
        references = find_references(reference)
        ref_jobs = [(sub.path, "ref:" + name, True, sub) for name, sub in references.items()]
        prepared += [prepare(path, name, ref, sub) for path, name, ref, sub in ref_jobs]
    timings["read_and_normalise_s"] = time.perf_counter() - started
    t = time.perf_counter()
    scores, pairs, dropped, edges = compare_all(prepared, threshold, progress, workers)
    timings["compare_s"] = time.perf_counter() - t
    result = Result(out_dir, threshold, prepared, pairs, scores, len(scores), timings, not_listed=dropped,
                    n_flagged=len(edges), clusters=clusters_of(edges, prepared))
    t = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    report.write_all(result)
    timings["report_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - started
    return result

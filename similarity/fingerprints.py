"""Fingerprint canonical documents with copydetect and compare them in pairs.

One Document per submission: the canonical lines of its graded functions (in
the release's order, whatever order the student wrote them in), then its own
helpers, each function introduced by a `#name` line. Whitespace is removed
inside each line, so copydetect's k-grams are k characters of canonical code.

copydetect does the MOSS part: k-gram hashes, winnowing
(`CodeFingerprint`), removal of boilerplate hashes, and the overlap of two
fingerprint sets with the matched slices (`compare_files`). Its own
tokenizer (pygments; every name becomes V) is switched off (`filter=False`):
the canonical text already renamed what plagiarists rename and keeps the
names that carry meaning (np.tanh, rnn_forward, 'W_vocab').
"""
import bisect
import io
from dataclasses import dataclass, field

import numpy as np
import copydetect.utils
from copydetect import CodeFingerprint, compare_files

from .normalise import normalise_function, normalise_raw

# NOISE (k): the shortest match that counts, in characters of canonical code
# (about one statement); GUARANTEE: any match this long is always found
# (winnowing window GUARANTEE - NOISE + 1). Chosen with
# benchmarks/similarity_calibrate.py --noise --guarantee: 25/30 (copydetect's
# defaults), 30/40, 40/50 and 50/60 keep independent solutions at 0.46-0.49;
# 50/60 keeps the disguised copies highest (>= 0.80, against 0.58 at 25/30).
NOISE = 50
GUARANTEE = 60


_BASE = np.uint64(0x100000001B3)              # odd: invertible modulo 2**64
_BASE_INVERSE = np.uint64(pow(0x100000001B3, -1, 1 << 64))


def stable_hashed_kgrams(string, k):
    """Hashes of all k-grams of string, the same in every process.

    Replaces copydetect.utils.hashed_kgrams, which uses Python's hash():
    salted per process (PYTHONHASHSEED), so winnowing kept other fingerprints
    on every run and scores moved by about 0.01 from run to run. This is a
    polynomial hash modulo 2**64 over the code points, computed for all
    k-grams at once with prefix sums, then mixed (splitmix64 finaliser) so
    that winnowing's minima are spread evenly."""
    n = len(string) - k + 1
    if n <= 0:
        return np.array([], dtype=np.int64)
    codes = np.frombuffer(string.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(len(codes), _BASE, dtype=np.uint64)) * _BASE_INVERSE      # B**i
        inverse = np.cumprod(np.full(len(codes), _BASE_INVERSE, dtype=np.uint64)) * _BASE     # B**-i
        prefix = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(codes * powers, dtype=np.uint64)])
        h = (prefix[k:k + n] - prefix[:n]) * inverse[:n]
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h.view(np.int64)


# copydetect's winnowing, boilerplate removal and overlap all go through this function.
copydetect.utils.hashed_kgrams = stable_hashed_kgrams


@dataclass
class Document:
    text: str = ""
    line_starts: list = field(default_factory=list)   # offset of each line in text
    origins: list = field(default_factory=list)       # per line: (role, first, last) or None
    units: list = field(default_factory=list)         # names of the functions it holds
    notes: list = field(default_factory=list)         # what could not be normalised

    def truncate(self, limit):
        """Keep the lines that start before limit characters."""
        keep = bisect.bisect_left(self.line_starts, limit)
        self.text = self.text[:self.line_starts[keep] - 1] if keep < len(self.line_starts) else self.text
        del self.line_starts[keep:], self.origins[keep:]

    def add_line(self, text, origin):
        if self.text:
            self.text += "\n"
        self.line_starts.append(len(self.text))
        self.text += text
        self.origins.append(origin)


def _compact(text):
    return "".join(text.split())


def build_document(extracted, release):
    """Document from {role: Extracted}. Graded functions come in release order,
    then the student's own helpers (ordered by their canonical text)."""
    doc = Document()
    helper_names = set()
    for ex in extracted.values():
        helper_names |= {u.name.rsplit(".", 1)[-1] for u in ex.units if not u.graded}
    graded, helpers = [], []
    for role, ex in extracted.items():
        order = {name: i for i, name in enumerate(release[role].graded)}
        for unit in ex.units:
            lines = unit_lines(unit, release[role].stubs.get(unit.name), helper_names)
            if lines is None:
                doc.notes.append("%s: %s is too deeply nested to normalise; not compared" % (role, unit.name))
                continue
            if not lines:
                continue
            if unit.graded:
                graded.append(((list(release).index(role), order[unit.name]), unit, lines))
            else:
                helpers.append((tuple(_compact(line.text) for line in lines), unit, lines))
    graded.sort(key=lambda item: item[0])
    helpers.sort(key=lambda item: item[0])
    for _, unit, lines in graded + helpers:
        _add_unit(doc, unit.role, unit.name if unit.graded else "F", lines)
    return doc


def unit_lines(unit, stub_fn, helper_names=()):
    """Canonical [Line] of one Unit; None when it is too deeply nested to normalise."""
    if unit.node is not None:
        try:
            return normalise_function(unit.node, stub_fn, helpers=helper_names, helper_methods=helper_names)
        except (RecursionError, MemoryError):
            return None
    return normalise_raw(unit.raw_lines, stub_fn)


def _add_unit(doc, role, label, lines):
    doc.add_line("#" + label, None)
    doc.units.append("%s:%s" % (role, label))
    for line in lines:
        doc.add_line(_compact(line.text), (role, line.start, line.end))


def release_document(release):
    """Every function of the release's two graded files, stub statements and
    provided helpers included: boilerplate wherever a student repeats it."""
    import ast
    from .release import function_table
    doc = Document()
    for role, release_file in release.items():
        for name, node in function_table(ast.parse(release_file.text)).items():
            _add_unit(doc, role, name, normalise_function(node))
    return doc


def fingerprint(doc, name, boilerplate=None, noise=NOISE, guarantee=GUARANTEE):
    """copydetect's fingerprint of a Document (None when it is too short to hold a k-gram)."""
    if len(doc.text) < noise:
        return None
    return CodeFingerprint(name, noise, guarantee - noise + 1, boilerplate=boilerplate,
                           filter=False, fp=io.StringIO(doc.text))


def boilerplate_hashes(docs, noise=NOISE):
    """Every k-gram hash of the given documents (copydetect keeps boilerplate with window 1)."""
    hashes = []
    for doc in docs:
        if len(doc.text) >= noise:
            hashes.extend(CodeFingerprint("boilerplate", noise, 1, filter=False, fp=io.StringIO(doc.text)).hashes)
    return np.unique(np.array(hashes, dtype=np.int64)) if hashes else np.array([], dtype=np.int64)


@dataclass
class Match:
    fraction_a: float          # copydetect's own: matched / fingerprinted characters
    fraction_b: float
    slices_a: np.ndarray       # 2 x n: start and end offsets of matched text in Document.text
    slices_b: np.ndarray

    @property
    def matched_a(self):
        return int(np.sum(self.slices_a[1] - self.slices_a[0]))

    @property
    def matched_b(self):
        return int(np.sum(self.slices_b[1] - self.slices_b[0]))


# A side's share is its matched characters over its fingerprinted characters
# (copydetect's similarity: boilerplate excluded), but over at least MIN_CODE:
# a submission that is nearly all common code cannot reach a high share with
# the few characters of its own.
MIN_CODE = 1000


def share(matched, fingerprint_):
    return matched / max(float(fingerprint_.token_coverage), MIN_CODE)


def compare(fp_a, fp_b):
    """Match of two fingerprints (copydetect.compare_files); None when either is missing."""
    if fp_a is None or fp_b is None:
        return None
    _, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fp_a, fp_b)
    return Match(float(sim_a), float(sim_b), _as_slices(slices_a), _as_slices(slices_b))


def _as_slices(slices):
    """copydetect returns a 2 x n array, or an empty 1-d array when nothing matched."""
    slices = np.asarray(slices, dtype=np.int64)
    return slices if slices.ndim == 2 else np.zeros((2, 0), dtype=np.int64)


def regions(doc, slices):
    """{role: [(first, last)]} of original lines covered by copydetect's slices of doc.text."""
    covered = {}
    if slices is None or len(slices) == 0 or len(slices[0]) == 0:
        return {}
    for start, end in zip(slices[0], slices[1]):
        first = bisect.bisect_right(doc.line_starts, int(start)) - 1
        last = bisect.bisect_right(doc.line_starts, max(int(start), int(end) - 1)) - 1
        for index in range(max(first, 0), last + 1):
            origin = doc.origins[index]
            if origin is not None:
                role, lo, hi = origin
                covered.setdefault(role, set()).update(range(lo, hi + 1))
    return {role: _ranges(sorted(lines)) for role, lines in covered.items()}


def _ranges(numbers):
    out = []
    for n in numbers:
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return [tuple(r) for r in out]

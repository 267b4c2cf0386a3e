"""Regrading after a fix to the checks: what one grading keeps for the next, and the ledger.

A grading writes OUT/checks.json beside its reports: every check's row as the
runner made it (before scoring), the check's fingerprint (fingerprints.py),
the curves, and the digest of what was graded. When the same submission is
graded again after the checks changed, `Earlier` hands the runner the rows
of the checks whose fingerprints did not change, and only the others run.

The batch moves a submission's earlier reports to OUT/<student>/earlier/
before it grades again, compares the two results.json files, and appends a
row to OUT/regrade.csv for every student whose score changed: old and new
total, the parts that changed, the checks that ran again, and whether the
new score was applied. A lower score is applied only with --allow-lower;
without it the earlier reports are put back and the row says so.
"""
import base64
import csv
import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from .compare import Outcome
from .runner import Row, check_id
from .scoring import part_scores

RECORD = "checks.json"
RECORD_FORMAT = 1
EARLIER = "earlier"            # OUT/<student>/earlier/: the reports a regrade replaces
LEDGER = "regrade.csv"
LEDGER_COLUMNS = ["when", "student", "old score", "new score", "change", "parts", "checks run again",
                  "applied", "kit before", "kit now"]


# ------------------------------------------------------------ the record
def _row_data(row):
    outcome = dataclasses.asdict(row.outcome)
    return {"part": row.part, "check": row.check, "key": row.key, "seconds": row.seconds, "shapes": row.shapes,
            "outcome": {k: (float(v) if isinstance(v, np.floating) else v) for k, v in outcome.items()}}


def _row_from(data):
    outcome = dict(data["outcome"])
    outcome["tips"] = list(outcome.get("tips", []))
    for name in ("carried_from", "tried_without"):
        outcome[name] = tuple(outcome.get(name, ()))
    return Row(data["part"], data["check"], Outcome(**outcome), data["seconds"], data["shapes"], data["key"],
               reused=True)


def _curve_data(curve):
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in curve.items()}


def write_record(out_dir, rows, curves, fingerprints, graded_digest, select, kit, figure=None):
    """OUT/checks.json: what a later grading of the same submission may reuse. figure:
    (the curves' digest, their PNG), so that the same curves are not drawn again."""
    data = {"format": RECORD_FORMAT, "graded": graded_digest, "select": select or "", "kit_version": kit,
            "figure": [figure[0], base64.b64encode(figure[1]).decode()] if figure and figure[1] else None,
            "fingerprints": {check_id_of(row): fingerprints.get(check_id_of(row), "") for row in rows},
            "rows": [_row_data(row) for row in rows],
            "curves": {name: _curve_data(curve) for name, curve in curves.items()}}
    path = Path(out_dir) / RECORD
    temporary = path.with_name(".%s.%d" % (RECORD, os.getpid()))
    temporary.write_text(json.dumps(data, allow_nan=True))
    os.replace(temporary, path)


def check_id_of(row):
    return "%s::%s" % (row.part, row.key)


@dataclasses.dataclass
class Earlier:
    """An earlier grading of the same submission: its rows of the checks that did not change."""
    rows: dict                     # check id -> Row (unchanged checks only)
    previous_verdicts: dict        # check id -> passed, every check it graded
    curves: dict                   # curve name -> curve
    figure: tuple = None           # (the curves' digest, their PNG) as drawn then

    def row_for(self, part, check):
        return self.rows.get(check_id(part, check))

    def curves_of(self, part_id):
        return {name: dict(curve) for name, curve in self.curves.items() if curve.get("part") == part_id}

    def figure_for(self, digest):
        """The PNG drawn earlier for curves with this digest, or None."""
        return self.figure[1] if self.figure and self.figure[0] == digest else None

    def verdict_changed(self, row):
        """Whether a check that ran again ended otherwise than before (a new check counts as changed)."""
        return self.previous_verdicts.get(check_id_of(row)) != row.outcome.passed


def read_earlier(path, fingerprints, graded_digest, select):
    """The Earlier grading in the record at path, or None when there is none to reuse:
    no record, another submission, another selection, or another record format."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if (data.get("format") != RECORD_FORMAT or data.get("graded") != graded_digest
            or data.get("select", "") != (select or "")):
        return None
    rows, verdicts = {}, {}
    for row_data in data.get("rows", []):
        row = _row_from(row_data)
        name = check_id_of(row)
        verdicts[name] = row.outcome.passed
        if fingerprints.get(name) and data.get("fingerprints", {}).get(name) == fingerprints[name]:
            rows[name] = row
    curves = {name: dict(curve, history=np.asarray(curve.get("history", []), dtype=np.float64))
              for name, curve in data.get("curves", {}).items()}
    figure = data.get("figure")
    return Earlier(rows, verdicts, curves, (figure[0], base64.b64decode(figure[1])) if figure else None)


# ------------------------------------------------------------ the batch's side
def set_aside(out_dir):
    """Move a submission's reports to OUT/<student>/earlier/ before it is graded again;
    returns that folder, or None when there was no earlier score."""
    out_dir = Path(out_dir)
    if not (out_dir / "results.json").is_file():
        return None
    earlier = out_dir / EARLIER
    shutil.rmtree(earlier, ignore_errors=True)
    earlier.mkdir(parents=True)
    for path in out_dir.iterdir():
        if path.is_file() and not path.name.startswith("."):
            shutil.move(str(path), earlier / path.name)
    return earlier


def put_back(out_dir, earlier):
    """The earlier reports become the submission's reports again."""
    out_dir, earlier = Path(out_dir), Path(earlier)
    for path in earlier.iterdir():
        os.replace(path, out_dir / path.name)
    shutil.rmtree(earlier, ignore_errors=True)


def _reran(results):
    return sum(1 for test in results["tests"] if not test["extra_data"].get("reused"))


@dataclasses.dataclass
class Change:
    """One student's score before and after a regrade (a row of regrade.csv)."""
    student: str
    old: float
    new: float
    parts: list                    # [(part id, old points, new points)] of the parts that changed
    reran: int
    applied: bool
    kit_before: str
    kit_now: str

    @property
    def lower(self):
        return self.new < self.old

    @property
    def applied_text(self):
        if self.applied:
            return "yes, lowered with --allow-lower" if self.lower else "yes"
        return "no: lower than before; the earlier score stands (run again with --allow-lower to apply it)"

    def csv_row(self, when):
        return {"when": when, "student": self.student, "old score": "%g" % self.old, "new score": "%g" % self.new,
                "change": "%+g" % round(self.new - self.old, 4),
                "parts": "; ".join("%s %g -> %g" % part for part in self.parts),
                "checks run again": self.reran, "applied": self.applied_text,
                "kit before": self.kit_before, "kit now": self.kit_now}


def compare(student, earlier_dir, out_dir, allow_lower, kit_before, kit_now):
    """The Change of one regraded submission, or None when its score did not change; a
    lower score without allow_lower puts the earlier reports back."""
    try:
        old = json.loads((Path(earlier_dir) / "results.json").read_text())
        new = json.loads((Path(out_dir) / "results.json").read_text())
    except (OSError, ValueError):
        return None
    old_parts, new_parts = part_scores(old), part_scores(new)
    parts = [(part, round(old_parts.get(part, 0.0), 4), round(new_parts.get(part, 0.0), 4))
             for part in dict.fromkeys(list(old_parts) + list(new_parts))
             if abs(old_parts.get(part, 0.0) - new_parts.get(part, 0.0)) > 1e-9]
    old_score, new_score = round(old["score"], 4), round(new["score"], 4)
    if not parts and old_score == new_score:
        return None
    return Change(student, old_score, new_score, parts, _reran(new), allow_lower or new_score >= old_score,
                  kit_before, kit_now)


def append_ledger(out, changes):
    """Append this run's changes to OUT/regrade.csv (written with its header on first use);
    returns its path, or None when nothing was appended."""
    path = Path(out) / LEDGER
    new_file = not path.is_file()
    last = {}
    if not new_file:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                last[row["student"]] = {k: v for k, v in row.items() if k != "when"}
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    # A lower score left unapplied is met again by every run until --allow-lower: said once.
    rows = [change.csv_row(when) for change in sorted(changes, key=lambda c: c.student)]
    rows = [row for row in rows if last.get(row["student"]) != {k: str(v) for k, v in row.items() if k != "when"}]
    if not rows:
        return None
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=LEDGER_COLUMNS)
        if new_file:
            writer.writeheader()
        writer.writerows(rows)
    return path

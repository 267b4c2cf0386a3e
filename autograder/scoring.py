"""Points per check (each part's rubric points split evenly over its checks)
and the "fails because an earlier part fails" notes, from the rubric's depends_on.

Two rules decide whether a passing check scores:
- a check with `counts_only_with` scores only when those checks of the same
  part pass too (a check on the notebook's published inputs proves nothing
  on its own: its answers can be copied);
- a pass judged with the functions it calls replaced by correct ones, when
  those fail their own checks (Outcome.carried_from), scores: their errors
  are charged once, at their own parts.
A failing check whose part uses a failing part gets a note saying to fix that
one first, unless the check already failed with correct versions of it in
place (Outcome.tried_without): its mistake is then its own.
"""
from dataclasses import dataclass, field

from .assignment import upstream_closure

NOT_ON_ITS_OWN = ("passes, but the notebook's inputs and answers are published: its points count once "
                  "the hidden-input check%s of this part (%s) pass%s too")


@dataclass
class ScoredRow:
    part: str
    part_title: str
    check: str
    passed: bool
    score: float
    max_score: float
    message: str
    error: float
    tolerance: float
    metric: str
    seconds: float
    shapes: str
    upstream_note: str = ""
    tips: list = field(default_factory=list)
    key: str = ""
    carried_from: tuple = ()
    hint: str = None
    reused: bool = False             # the check's row came from an earlier grading (regrade.py)


@dataclass
class PartSummary:
    id: str
    title: str
    kind: str
    points: float
    score: float
    passed_checks: int = 0
    total_checks: int = 0
    upstream_failures: list = field(default_factory=list)


def shares(part):
    """{check key: points}; cumulative rounding: 4 decimals that add up to the part's points exactly."""
    count = len(part.checks)
    return {check.key: round(part.points * (i + 1) / count, 4) - round(part.points * i / count, 4)
            for i, check in enumerate(part.checks)}


def value_failures(rows, parts):
    """Parts with a failing check that can explain failures downstream (not a precision rule)."""
    failing = set()
    for row in rows:
        if row.outcome.passed or row.part not in parts:
            continue
        check = next((c for c in parts[row.part].checks if c.key == row.key), None)
        if check is None or check.explains_downstream:
            failing.add(row.part)
    return failing


def upstream_note(part, parts, failing, carrying):
    """'X also fails ...' naming the failing parts this part uses, through parts
    that fail or that pass only given a failing part (error carried forward)."""
    chain = upstream_closure(part.id, parts, among=failing | carrying)
    named = [dep for dep in chain if dep in failing]
    if not named:
        return [], ""
    names = ", ".join("`%s`" % parts[dep].title for dep in named)
    one = len(named) == 1
    return named, ("%s also fail%s, and this part uses %s: fix %s first; this check may then pass too"
                   % (names, "s" if one else "", "it" if one else "them", "it" if one else "them"))


def inherited_hint(upstream, rows):
    """The catalogued mistake of the nearest failing upstream part that names one."""
    for part in upstream:
        for row in rows:
            if row.part == part and not row.outcome.passed and row.outcome.hint:
                return row.outcome.hint
    return None


def score(rows, parts):
    """rows: runner Rows (every declared check); parts: id -> assignment Part.
    Returns (scored rows, part summaries in rubric order). A failing check
    that names no mistake of its own carries the one of the failing part it uses."""
    failing = value_failures(rows, parts)
    carrying = {row.part for row in rows if row.outcome.passed and row.outcome.carried_from}
    scored, summaries = [], []
    for part in parts.values():
        if part.kind != "auto":
            summaries.append(PartSummary(part.id, part.title, part.kind, part.points, 0.0))
            continue
        part_rows = [row for row in rows if row.part == part.id]
        passed = {row.key for row in part_rows if row.outcome.passed}
        share = shares(part)
        upstream, part_note = upstream_note(part, parts, failing, carrying)
        summary = PartSummary(part.id, part.title, part.kind, part.points, 0.0,
                              total_checks=len(part_rows), upstream_failures=upstream)
        for row in part_rows:
            outcome, check = row.outcome, part.check(row.key)
            counted, message = outcome.passed, outcome.message
            missing = [key for key in check.counts_only_with if key not in passed]
            if outcome.passed and missing:
                titles = [part.check(key).title for key in missing]
                many = len(titles) > 1
                message = NOT_ON_ITS_OWN % ("s" if many else "", "; ".join(titles), "" if many else "es")
                counted = False
            points = share[row.key] if counted else 0.0
            own = bool(outcome.tried_without)      # it failed with correct callees: its mistake is its own
            note = "" if own else part_note
            hint = outcome.hint or (None if counted or own else inherited_hint(upstream, rows))
            summary.score += points
            summary.passed_checks += counted
            scored.append(ScoredRow(part.id, part.title, row.check, counted, points, share[row.key],
                                    message, outcome.error, outcome.tolerance, outcome.metric,
                                    row.seconds, row.shapes, "" if counted else note,
                                    list(outcome.tips), row.key, tuple(outcome.carried_from), hint,
                                    row.reused))
        summary.score = round(summary.score, 6)
        summaries.append(summary)
    return scored, summaries


def part_scores(results):
    """{part id: points} from a results.json (each test row carries its part)."""
    scores = {}
    for test in results["tests"]:
        part = test["extra_data"]["part"]
        scores[part] = scores.get(part, 0.0) + test["score"]
    return scores

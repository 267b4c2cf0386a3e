"""Points per check (each part's rubric points split evenly over its checks)
and the "fails because an earlier part fails" notes, from the rubric's depends_on."""
from dataclasses import dataclass, field

from .assignment import upstream_closure


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


def score(rows, parts):
    """rows: runner Rows (every declared check); parts: id -> assignment Part.
    Returns (scored rows, part summaries in rubric order)."""
    failing = {row.part for row in rows if not row.outcome.passed}
    scored, summaries = [], []
    for part in parts.values():
        if part.kind != "auto":
            summaries.append(PartSummary(part.id, part.title, part.kind, part.points, 0.0))
            continue
        part_rows = [row for row in rows if row.part == part.id]
        titles = [check.title for check in part.checks]
        # Cumulative rounding: the shares have 4 decimals and add up to the part's points exactly.
        shares = {title: round(part.points * (i + 1) / len(titles), 4) - round(part.points * i / len(titles), 4)
                  for i, title in enumerate(titles)}
        # Only chains of failing parts: rnn_loss does not blame rnn_step_backward
        # when the rnn_backward it calls is right.
        upstream = upstream_closure(part.id, parts, among=failing)
        note = ""
        if upstream:
            names = ", ".join("`%s`" % parts[dep].title for dep in upstream)
            note = ("%s also fail%s, and this part uses %s: fix %s first; this check may then pass too"
                    % (names, "s" if len(upstream) == 1 else "", "it" if len(upstream) == 1 else "them",
                       "it" if len(upstream) == 1 else "them"))
        summary = PartSummary(part.id, part.title, part.kind, part.points, 0.0,
                              total_checks=len(part_rows), upstream_failures=upstream)
        for row in part_rows:
            outcome, share = row.outcome, shares[row.check]
            points = share if outcome.passed else 0.0
            summary.score += points
            summary.passed_checks += outcome.passed
            scored.append(ScoredRow(part.id, part.title, row.check, outcome.passed, points, share,
                                    outcome.message, outcome.error, outcome.tolerance, outcome.metric,
                                    row.seconds, row.shapes, "" if outcome.passed else note))
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

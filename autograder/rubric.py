"""The rubric: parts, points and dependencies, read from the one rubric file."""
import json
from dataclasses import dataclass

from .paths import RUBRIC_PATH


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    notebook: str
    points: float
    kind: str            # 'auto' or 'manual'
    depends_on: tuple


def load_parts(path=RUBRIC_PATH):
    with open(path) as f:
        raw = json.load(f)
    return [Part(p["id"], p["title"], p["notebook"], float(p["points"]), p["kind"],
                 tuple(p.get("depends_on", ()))) for p in raw["parts"]]


def parts_by_id(path=RUBRIC_PATH):
    return {part.id: part for part in load_parts(path)}


def upstream_closure(part_id, parts, among=None):
    """Every part that part_id depends on, directly or through others.

    With `among` (a set of part ids), only those parts are followed: the
    chain stops at a part outside it."""
    seen, stack = [], list(parts[part_id].depends_on)
    while stack:
        dep = stack.pop(0)
        if dep not in seen and dep in parts and (among is None or dep in among):
            seen.append(dep)
            stack.extend(parts[dep].depends_on)
    return seen

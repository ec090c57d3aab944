"""Scoring a call against the configured criteria (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ccengine.config import QaCriterion


class InvalidScores(ValueError):
    """Scores that do not fit the criteria; ``criterion`` names the culprit."""

    def __init__(self, criterion: str, problem: str) -> None:
        super().__init__(f"criterion {criterion!r}: {problem}")
        self.criterion = criterion


@dataclass(frozen=True, slots=True)
class Score:
    criterion: str
    points: int
    max_points: int

    def as_json(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "points": self.points,
                "max_points": self.max_points}


def score(criteria: Sequence[QaCriterion], given: Mapping[str, object]) -> list[Score]:
    """Every criterion's points, in the configured order; each must be given, in range."""
    known = {criterion.name for criterion in criteria}
    for name in given:
        if name not in known:
            raise InvalidScores(name, "is not a configured criterion")
    return [_one(criterion, given.get(criterion.name)) for criterion in criteria]


def _one(criterion: QaCriterion, points: object) -> Score:
    if points is None:
        raise InvalidScores(criterion.name, "is required")
    # JSON true is a Python int; a score of "true" is a client bug, not 1 point.
    if isinstance(points, bool) or not isinstance(points, int):
        raise InvalidScores(criterion.name, "points must be an integer")
    if not 0 <= points <= criterion.max_points:
        raise InvalidScores(criterion.name, f"points must be 0..{criterion.max_points}")
    return Score(criterion.name, points, criterion.max_points)


def totals(scores: Sequence[Score]) -> tuple[int, int]:
    """(points, the most points possible)."""
    return sum(s.points for s in scores), sum(s.max_points for s in scores)

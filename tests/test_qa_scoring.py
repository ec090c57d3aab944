"""Pure parts of QA: scores against criteria, local days as UTC bounds, the matched segment."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ccengine.config import ConfigError, QaCriterion, load_config
from ccengine.qa.filters import day_span, matching_segment
from ccengine.qa.scoring import InvalidScores, score, totals

CRITERIA = (QaCriterion(name="greeting", max_points=2), QaCriterion(name="tone", max_points=3))
WARSAW = ZoneInfo("Europe/Warsaw")


def test_scores_follow_the_configured_order_and_add_up() -> None:
    scores = score(CRITERIA, {"tone": 3, "greeting": 0})
    assert [(s.criterion, s.points, s.max_points) for s in scores] == [("greeting", 0, 2),
                                                                      ("tone", 3, 3)]
    assert totals(scores) == (3, 5)


@pytest.mark.parametrize(("given", "culprit"), [
    ({"greeting": 3, "tone": 1}, "greeting"),
    ({"greeting": 1, "tone": -1}, "tone"),
    ({"greeting": 1}, "tone"),
    ({"greeting": 1, "tone": 1, "empathy": 1}, "empathy"),
    ({"greeting": True, "tone": 1}, "greeting"),
    ({"greeting": 1.0, "tone": 1}, "greeting"),
])
def test_bad_scores_name_the_criterion(given: dict[str, object], culprit: str) -> None:
    with pytest.raises(InvalidScores) as caught:
        score(CRITERIA, given)
    assert caught.value.criterion == culprit


def test_local_days_become_utc_bounds_across_dst() -> None:
    start, end = day_span(date(2026, 3, 29), date(2026, 3, 29), WARSAW)  # clocks go forward
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # a 23-hour day
    assert day_span(None, None, WARSAW) == (None, None)


def test_the_first_segment_with_a_searched_word() -> None:
    segments: list[dict[str, object]] = [{"text": "Dzień dobry"}, {"text": "Chcę ZWRÓCIĆ buty"}]
    assert matching_segment(segments, "zwrócić") == segments[1]
    assert matching_segment(segments, "reklamacja") is None


def test_criteria_are_configurable_and_checked() -> None:
    config = load_config(environ={}, overrides={"qa.criteria": [
        {"name": "empathy", "max_points": 4, "label": "Empatia"}]})
    assert [(c.name, c.max_points, c.label) for c in config.qa.criteria] == [
        ("empathy", 4, "Empatia")]
    assert [c.name for c in load_config(environ={}).qa.criteria] == [
        "greeting", "identification", "resolution", "tone", "closing"]
    for bad in ([], [{"name": "a", "max_points": 1}, {"name": "a", "max_points": 2}],
                [{"name": "Bad Name", "max_points": 1}], [{"name": "a", "max_points": 0}]):
        with pytest.raises(ConfigError, match=r"^qa\.criteria"):
            load_config(environ={}, overrides={"qa.criteria": bad})

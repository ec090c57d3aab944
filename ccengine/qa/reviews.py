"""Storing a QA review: scores checked against the criteria, with the reviewer."""

from __future__ import annotations

from datetime import UTC, datetime

from ccengine.config import QaCriterion
from ccengine.db import Database
from ccengine.qa.errors import QaCallNotFound
from ccengine.qa.scoring import score, totals
from ccengine.qa.storage_models import QaReview
from ccengine.tickets.models import Call
from ccengine.users.service import Principal


async def add_review(database: Database, call_id: int, criteria: tuple[QaCriterion, ...],
                     given: dict[str, object], comment: str | None,
                     reviewer: Principal) -> QaReview:
    """Validate (InvalidScores names the criterion) and store one review of a call."""
    scores = score(criteria, given)
    total, max_total = totals(scores)
    async with database.writer() as session:
        if await session.get(Call, call_id) is None:
            raise QaCallNotFound(call_id)
        review = QaReview(call_id=call_id, reviewer_id=reviewer.user_id,
                          reviewer=reviewer.display_name or reviewer.login,
                          scores=[s.as_json() for s in scores], total=total,
                          max_total=max_total, comment=comment or None,
                          created_at=datetime.now(UTC))
        session.add(review)
        await session.commit()
    return review

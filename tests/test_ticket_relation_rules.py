"""The pure rules of links and merges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.errors import LinkToItself, MergeIntoClosed, MergeIntoItself, TicketMerged
from ccengine.tickets.relations_rules import (
    LinkKind,
    MergeSide,
    check_merge,
    earliest,
    other_is,
    stored_link,
)


@pytest.mark.parametrize("kind", list(LinkKind))
@pytest.mark.parametrize(("ticket", "other"), [(1, 2), (2, 1)])
def test_a_link_reads_back_the_same_from_both_ends(kind: LinkKind, ticket: int,
                                                   other: int) -> None:
    stored = stored_link(ticket, other, kind)
    assert stored.low_id < stored.high_id
    assert other_is(stored, ticket) == (other, kind)
    assert other_is(stored, other) == (ticket, kind.seen_from_other())


def test_a_ticket_is_not_linked_to_itself() -> None:
    with pytest.raises(LinkToItself):
        stored_link(3, 3, LinkKind.RELATED)


def _side(id_: int, status: TicketStatus = TicketStatus.NEW,
          merged_into: str | None = None) -> MergeSide:
    return MergeSide(id_, f"TK-{id_}", status, merged_into)


@pytest.mark.parametrize(("source", "target", "error"), [
    (_side(1), _side(1), MergeIntoItself),
    (_side(1), _side(2, TicketStatus.CLOSED), MergeIntoClosed),
    (_side(1, merged_into="TK-3"), _side(2), TicketMerged),
    (_side(1), _side(2, TicketStatus.CLOSED, merged_into="TK-3"), TicketMerged),
])
def test_merge_refusals(source: MergeSide, target: MergeSide, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_merge(source, target)


def test_a_closed_ticket_may_be_merged_into_an_open_one() -> None:
    check_merge(_side(1, TicketStatus.CLOSED), _side(2, TicketStatus.WAITING_FOR_CUSTOMER))


def test_earliest_ignores_missing_moments() -> None:
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    assert earliest(late, None, early) == early
    assert earliest(None, None) is None

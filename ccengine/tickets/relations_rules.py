"""The rules of merging, linking and splitting tickets, decided before anything is
written; pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ccengine.tickets.enums import TicketStatus, is_finished
from ccengine.tickets.errors import (
    LinkToItself,
    MergeIntoClosed,
    MergeIntoItself,
    TicketMerged,
)


class LinkKind(StrEnum):
    """What the other ticket is to this one."""

    RELATED = "related"
    PARENT = "parent"
    CHILD = "child"

    def seen_from_other(self) -> LinkKind:
        """A's parent has A as its child; "related" reads the same both ways."""
        return {LinkKind.PARENT: LinkKind.CHILD, LinkKind.CHILD: LinkKind.PARENT}.get(
            self, LinkKind.RELATED)


@dataclass(frozen=True, slots=True)
class StoredLink:
    """A link as stored: ``kind`` is what ``low_id`` is to ``high_id``."""

    low_id: int
    high_id: int
    kind: LinkKind


def stored_link(ticket_id: int, other_id: int, other_is: LinkKind) -> StoredLink:
    """The one row of "``other_id`` is ``other_is`` to ``ticket_id``"."""
    if ticket_id == other_id:
        raise LinkToItself()
    if other_id < ticket_id:
        return StoredLink(other_id, ticket_id, other_is)
    return StoredLink(ticket_id, other_id, other_is.seen_from_other())


def other_is(link: StoredLink, ticket_id: int) -> tuple[int, LinkKind]:
    """The other ticket of ``link`` and what it is to ``ticket_id``."""
    if link.low_id == ticket_id:
        return link.high_id, link.kind.seen_from_other()
    return link.low_id, link.kind


@dataclass(frozen=True, slots=True)
class MergeSide:
    id: int
    number: str
    status: TicketStatus
    merged_into: str | None  # the survivor's number when this one was merged


def check_merge(source: MergeSide, target: MergeSide) -> None:
    """May ``source`` be merged into ``target``? Raises why not.

    A merged ticket takes part in no merge either way (it is closed and its history
    is gone); a closed target is refused so open work is not buried in a closed
    ticket (reopen it first), and so is a resolved one (its clock has stopped); a
    finished source is fine (an old duplicate).
    """
    if source.id == target.id:
        raise MergeIntoItself(source.number)
    for side in (source, target):
        if side.merged_into is not None:
            raise TicketMerged(side.number, side.merged_into)
    if is_finished(target.status):
        raise MergeIntoClosed(target.number)


def earliest(*moments: datetime | None) -> datetime | None:
    """The earliest of the moments given; None when there is none."""
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None

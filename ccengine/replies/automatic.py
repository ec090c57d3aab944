"""The automation action ``send_reply_template``: the named template, rendered for
the ticket, queued as a reply from its queue's mailbox to the customer, in the
runner's transaction. Marked RFC 3834 auto-generated; it changes neither the status
nor the first response (no person answered). A template or mailbox that is gone, or a
ticket merged away meanwhile, is reported in the rule's log, never a failure of the
batch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.config import TicketsConfig
from ccengine.replies.model import Author, ReplyAsk
from ccengine.replies.replying import reply_in
from ccengine.replies.rules import ReplyError
from ccengine.replies.storage_models import ReplyTemplate
from ccengine.tickets.errors import TicketMerged, TicketNotFound
from ccengine.tickets.models import Ticket
from ccengine.tickets.sla_sync import SlaProvider

AUTOMATION = Author("automation", "")
KIND = "send_reply_template"


async def send_template(session: AsyncSession, ticket: Ticket, name: str,
                        config: TicketsConfig, sla: SlaProvider,
                        now: datetime) -> dict[str, Any]:
    template_id = await session.scalar(select(ReplyTemplate.id).where(
        ReplyTemplate.name == name, ReplyTemplate.active.is_(True)))
    if template_id is None:
        return {"kind": KIND, "to": name, "refused": "no active template of that name"}
    ask = ReplyAsk(number=ticket.number, author=AUTOMATION, template_id=template_id,
                   automatic=True)
    try:
        sent = await reply_in(session, ask, config, sla, now)
    except (ReplyError, TicketMerged, TicketNotFound) as exc:
        return {"kind": KIND, "to": name, "refused": str(exc)}
    return {"kind": KIND, "to": name, "outgoing_id": sent.outgoing_id}

"""Doing a rule's actions on one ticket, in the runner's transaction.

Field changes go through the ticket's own edit plan (``tickets.editing``), so they
are recorded like an agent's, with the rule as the author; the SLA clocks follow a
new priority or queue. Notifications are rows here; after the commit the runner
nudges the bell's follower, which delivers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.automation.actions import RAISE
from ccengine.automation.errors import RuleInvalid
from ccengine.automation.fields import TicketFields
from ccengine.automation.model import Action, Rule, author_of
from ccengine.config import TicketsConfig
from ccengine.notifications.model import Person, QueueMembers
from ccengine.notifications.people import People
from ccengine.notifications.service import new_notification
from ccengine.notifications.storage_models import Notification
from ccengine.replies.automatic import send_template
from ccengine.tickets.editing import Change, Current, TicketChanges, plan_changes
from ccengine.tickets.enums import ActivityKind, Priority, TicketStatus
from ccengine.tickets.filters import can_see, viewer_of
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.tickets.sla_sync import SlaProvider, sync_sla
from ccengine.users.service import Principal
from ccengine.webhooks.payloads import ticket_data
from ccengine.webhooks.service import queue_for_rule

KIND = "automation"  # the notifications' kind and the executions' activity kind


@dataclass
class Actor:
    """What acting needs besides the session: loaded once per batch of events."""

    sla: SlaProvider
    members: QueueMembers | None = None
    fields: TicketFields | None = None
    tickets: TicketsConfig = field(default_factory=TicketsConfig)  # replies' time zone
    outgoing: list[Notification] = field(default_factory=list)
    _people: People | None = None

    async def people(self, session: AsyncSession) -> People:
        if self._people is None:
            self._people = await People.load(session, self.members)
        return self._people


async def act(session: AsyncSession, actor: Actor, ticket: Ticket, rule: Rule,
              event: str, now: datetime) -> list[dict[str, Any]]:
    """Do ``rule``'s actions and log the execution on the ticket; what each did."""
    author = author_of(rule.spec.name)
    done = []
    edits = _edits(ticket, rule.spec.actions)
    changes = plan_changes(Current(ticket.number, TicketStatus(ticket.status), ticket.priority,
                                   ticket.assignee, ticket.queue), edits)
    for change in changes:
        _apply(session, ticket, change, author, now)
        done.append({"kind": str(change.kind), "from": change.old, "to": change.new})
    if changes:
        await sync_sla(session, [ticket], actor.sla, now)
    for action in rule.spec.actions:
        result = (await _webhook(session, ticket, rule, action, event, now)
                  if action.kind == "call_webhook"
                  else await _other(session, actor, ticket, rule, action, author, now))
        if result is not None:
            done.append(result)
    session.add(TicketActivity(ticket=ticket, kind=ActivityKind.AUTOMATION,
                               body=f"{rule.spec.name}: {_summary(done)}",
                               data={"rule_id": rule.id, "rule": rule.spec.name, "event": event,
                                     "done": done}, author=author, created_at=now))
    return done


def _edits(ticket: Ticket, actions: Sequence[Action]) -> TicketChanges:
    priority = queue = assignee = None
    reassign = False
    for action in actions:
        if action.kind == "set_priority":
            priority = (Priority(ticket.priority).raised() if action.value == RAISE
                        else Priority(action.value))
        elif action.kind == "set_queue":
            queue = action.value
        elif action.kind == "set_assignee":
            assignee, reassign = action.value, True
    return TicketChanges(priority=priority, queue=queue, assignee=assignee, reassign=reassign)


def _apply(session: AsyncSession, ticket: Ticket, change: Change, author: str,
           at: datetime) -> None:
    if change.kind is ActivityKind.PRIORITY_CHANGE:
        ticket.priority = str(change.new)
    elif change.kind is ActivityKind.QUEUE_CHANGE:
        ticket.queue = change.new
    else:
        ticket.assignee = change.new
    ticket.updated_at = at
    session.add(TicketActivity(ticket=ticket, kind=change.kind, body=change.body,
                               data=change.data, author=author, created_at=at))


async def _other(session: AsyncSession, actor: Actor, ticket: Ticket, rule: Rule,
                 action: Action, author: str, now: datetime) -> dict[str, Any] | None:
    if action.kind in ("notify_user", "notify_leaders"):
        people = await actor.people(session)
        to = ([people.assignee(action.value)] if action.kind == "notify_user"
              else list(people.leaders(ticket.queue)))
        allowed = [person for person in to if person is not None
                   and can_see(viewer_of(_principal(people, person)), ticket.assignee,
                               ticket.status)]
        sent = [person.login for person in allowed if _notify(actor, person, ticket, rule, now)]
        withheld = [person.login for person in to if person is not None and person not in allowed]
        return {"kind": action.kind, "to": sent, **({"withheld": withheld} if withheld else {})}
    if action.kind == "send_reply_template":
        return await send_template(session, ticket, action.value, actor.tickets, actor.sla,
                                   now)
    if actor.fields is None:
        return None  # category and tags are refused when saved until they are wired
    if action.kind == "set_category":
        try:
            changed = await actor.fields.set_category(session, ticket, action.value, author)
        except RuleInvalid:  # retired (or gone) since the rule was saved: logged, not fatal
            return {"kind": action.kind, "to": action.value, "changed": False,
                    "refused": "unknown or retired category"}
        return {"kind": action.kind, "to": action.value, "changed": changed}
    if action.kind in ("add_tags", "remove_tags"):
        add, remove = (action.value, []) if action.kind == "add_tags" else ([], action.value)
        changed = await actor.fields.change_tags(session, ticket, add, remove, author)
        return {"kind": action.kind, "tags": action.value, "changed": changed}
    return None


async def _webhook(session: AsyncSession, ticket: Ticket, rule: Rule, action: Action,
                   event: str, now: datetime) -> dict[str, Any]:
    """Queue ``automation.rule`` for the endpoint the action names (its outbox row in
    this transaction); an endpoint deleted or switched off since is noted, not fatal."""
    data = {"rule_id": rule.id, "rule": rule.spec.name, "event": event,
            "ticket": ticket_data(ticket)}
    queued = await queue_for_rule(session, action.value, data, now)
    return {"kind": action.kind, "to": str(action.value), "queued": queued,
            **({} if queued else {"refused": "no such active webhook endpoint"})}


def _principal(people: People, person: Person) -> Principal:
    """The person as a request would see her: a plain agent who cannot open the ticket
    must not learn its number and title from a notification either."""
    return Principal(people.role(person), person.user_id, person.login, person.display_name,
                     via_session=False)


def _notify(actor: Actor, person: Person, ticket: Ticket, rule: Rule, now: datetime) -> bool:
    actor.outgoing.append(new_notification(
        person.user_id, KIND, ticket.number, f"{ticket.number}: {rule.spec.name}",
        ticket.title, {"rule_id": rule.id, "rule": rule.spec.name}, now))
    return True


def _summary(done: Sequence[dict[str, Any]]) -> str:
    parts = []
    for item in done:
        if "to" in item and not isinstance(item["to"], list):
            parts.append(f"{item['kind']} → {item['to'] or '-'}")
        elif isinstance(item.get("to"), list):
            parts.append(f"{item['kind']} → {', '.join(item['to']) or '-'}"
                         + (f" (withheld: {', '.join(item['withheld'])}, cannot see the ticket)"
                            if item.get("withheld") else ""))
        else:
            parts.append(f"{item['kind']} {', '.join(item.get('tags', []))}")
    return "; ".join(parts) or "nothing to change"

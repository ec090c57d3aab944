"""SQLAlchemy ORM models of customers, calls, tickets and their activities.

Enum-valued columns are plain strings (values of the StrEnums in ``enums``):
adding a status must not need a database enum migration on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Deterministic constraint names, so the migration and autogenerate agree and
# later migrations can refer to constraints by name on every dialect.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PHONE = 32  # E.164 is at most 16 characters; raw caller IDs can be longer


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC, read back aware on every dialect.

    SQLite keeps no offset, so values come back naive; they were written in
    UTC, and we say so on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} (give it a timezone)")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone_e164: Mapped[str | None] = mapped_column(String(PHONE), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    vip: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The CRM card (``ccengine.customers``): every phone, the first one above included,
    # is a customer_phones row; e-mails are customer_emails rows.
    company: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        index=True)
    nip: Mapped[str | None] = mapped_column(String(10))  # ten digits, checksum verified
    address: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    # Folded name and company ("wojcik" finds "Wójcik"), kept by customers.storage_models.
    search_text: Mapped[str] = mapped_column(String(500), index=True, server_default="")


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(32), index=True)
    priority: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str | None] = mapped_column(String(100), index=True)
    assignee: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    source_channel: Mapped[str] = mapped_column(String(16))
    # Indexed: the list's default order (newest first) walks it and stops at a page.
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The facts SLA clocks are computed from (kept by ``tickets.sla_marks``).
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sla_paused_since: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the open pause
    # Closed pauses, [[start, end], ...] in ISO 8601 UTC, oldest first.
    sla_pauses: Mapped[list[list[str]]] = mapped_column(JSON, default=list,
                                                        server_default="[]")
    sla_policy: Mapped[str | None] = mapped_column(String(100))
    # The clocks' results as of the last change: lists sort and filter by them, and
    # the alert scheduler scans them, hence the indexes.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    sla_state: Mapped[str | None] = mapped_column(String(16), index=True)
    # When the running clocks next turn warning and breached (``sla.moments``): lists
    # compare them with now, so a filter stays right however old ``sla_state`` is.
    sla_warning_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    sla_breach_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    # The earliest SLA alert moment not sent yet (``notifications.rules.next_alert_at``):
    # the alert scheduler's one indexed range scan per tick.
    sla_next_alert_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    # Snoozed out of the lists until then (``tickets.snoozing``); the wake sweep scans it.
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    # The finished ticket this one follows up (a customer came back after the reopen window).
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # Fields an agent fills in (``ccengine.ticket_fields``); tags and custom values are rows.
    description: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_categories.id"),
                                                    index=True)

    customer: Mapped[Customer | None] = relationship(lazy="raise")
    # Read-only so writers link an activity to a ticket from the activity's
    # side without loading (or racing) the whole collection.
    activities: Mapped[list[TicketActivity]] = relationship(
        lazy="raise", order_by="TicketActivity.id", viewonly=True
    )


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("pbx", "linkedid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pbx: Mapped[str] = mapped_column(String(100))
    linkedid: Mapped[str] = mapped_column(String(100))
    caller_number: Mapped[str | None] = mapped_column(String(PHONE))
    caller_name: Mapped[str | None] = mapped_column(String(200))
    did: Mapped[str | None] = mapped_column(String(PHONE))
    queue: Mapped[str | None] = mapped_column(String(100))
    queue_priority: Mapped[int | None] = mapped_column(Integer)
    agent_name: Mapped[str | None] = mapped_column(String(200))
    agent_interface: Mapped[str | None] = mapped_column(String(200))
    external_number: Mapped[str | None] = mapped_column(String(PHONE))
    ivr_digits: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime())
    hold_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))
    recording_file: Mapped[str | None] = mapped_column(String(500))
    timeline: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    route_graph: Mapped[str | None] = mapped_column(String(100))
    route_version: Mapped[int | None] = mapped_column(Integer)
    route: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # When the row was last written (``_call_written``), for API sync (updated_since).
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)

    customer: Mapped[Customer | None] = relationship(lazy="raise")
    ticket: Mapped[Ticket | None] = relationship(lazy="raise")


class TicketActivity(Base):
    __tablename__ = "ticket_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    ticket: Mapped[Ticket] = relationship(lazy="raise")
    call: Mapped[Call | None] = relationship(lazy="raise")


class TicketCounter(Base):
    """One row per numbering scope (a year); ``value`` is the last number given."""

    __tablename__ = "ticket_counters"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


# The moment a call row is written, not any moment of the call: a sync client that
# remembers the last updated_at it read must see calls recorded late, too.
@event.listens_for(Call, "before_insert")
@event.listens_for(Call, "before_update")
def _call_written(mapper: Any, connection: Any, call: Call) -> None:
    call.updated_at = datetime.now(UTC)

"""A customer's phones and e-mails, one row each (unique: one number, one customer).

The customer row's ``search_text`` and first ``updated_at`` are kept here, on every
insert and update of a customer whoever writes it (the call recorder names callers
too), so the search never reads a stale fold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccengine.customers.rules import MAX_EMAIL, search_text
from ccengine.tickets.models import PHONE, Base, Customer, UtcDateTime


class Organisation(Base):
    """A company customers work for: its people share the NIP, address and notes."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(10), unique=True)
    address: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    search_text: Mapped[str] = mapped_column(String(500), index=True)  # folded name
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class CustomerPhone(Base):
    __tablename__ = "customer_phones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    e164: Mapped[str] = mapped_column(String(PHONE), unique=True)

    customer: Mapped[Customer] = relationship(lazy="raise")


class CustomerEmail(Base):
    __tablename__ = "customer_emails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    address: Mapped[str] = mapped_column(String(MAX_EMAIL), unique=True)  # lower case


@event.listens_for(Customer, "before_insert")
def _before_insert(mapper: Any, connection: Any, customer: Customer) -> None:
    customer.search_text = search_text(customer.name, customer.company)
    if customer.updated_at is None:
        customer.updated_at = customer.created_at


@event.listens_for(Customer, "before_update")
def _before_update(mapper: Any, connection: Any, customer: Customer) -> None:
    customer.search_text = search_text(customer.name, customer.company)
